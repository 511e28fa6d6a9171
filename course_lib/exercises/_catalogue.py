"""Which notebook asks each exercise and question, in the course's order.

The one place that maps names to notebooks: :func:`course_lib.progress` lists the course
by notebook from it, and ``tests/test_progress.py`` scans every notebook's code for its
checker calls and ``use()`` calls and fails if a name is missing here, listed twice, or
listed under another notebook. Within a notebook, names follow the order in which its
cells first call them.
"""

from __future__ import annotations

#: (notebook, names in the order the notebook first checks them), in the course's order.
CATALOGUE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("01_fundamentals", (
        "deep_linear_xor", "two_layer_forward", "classification_accuracy",
        "collapse_linear_layers", "tanh_from_sigmoid", "xor_by_hand")),
    ("02_mathematical_foundations", (
        "relu_grad_at_zero_float64", "leaky_relu_any_slope", "central_difference",
        "elu_stable", "elu_stable_grad")),
    ("03_relu_from_scratch", ("relu_layer", "dead_relu_bias_minus3", "leaky_relu_backward")),
    ("04_stable_sigmoid", ("sigmoid_and_derivative", "sigmoid_depth_gain8", "log_sigmoid")),
    ("05_batchnorm_with_activation", (
        "batchnorm_relu_layer", "relu_gradient_depth15_lecun", "update_running_stats",
        "fold_batchnorm")),
    ("06_custom_activation", (
        "discontinuous_value_at_1000", "gradcheck_next_to_jump", "custom_c1_activation",
        "c1_join_coefficients")),
    ("07_image_classification", (
        "conv2d_forward_im2col", "conv2d_backward_im2col", "slowest_cnn_activation",
        "conv_output_size", "maxpool2d_forward")),
    ("08_activation_analysis", (
        "smallest_first_layer_gradient", "analyse_activation_slopes",
        "gradient_shrink_factor")),
    ("09_adaptive_activations", (
        "adaptive_swish_backward", "adaptive_vs_fixed_swish", "mse_loss_and_grad")),
    ("10_deep_network_activations", (
        "swish_he_signal", "stable_mish", "stable_mish_grad", "snake", "derivative_on_grid")),
    ("11_rnn_activations", (
        "tanh_bptt_decay", "gated_step", "gated_step_backward", "per_step_std")),
    ("12_attention_activations", (
        "attention_tanh_entropy", "masked_softmax", "masked_softmax_backward",
        "max_attention_weight")),
    ("13_hardware_optimized", ("numba_speedup_relu_gelu", "leaky_relu_kernel", "quantize_int8")),
    ("14_generative_activations", (
        "stable_softplus", "autoencoder_output_mismatch", "swiglu_layer")),
    ("15_resources_and_summary", (
        "cheat_sheet_monotonic", "selftest_linear_stack", "selftest_sigmoid_depth",
        "selftest_batchnorm_eval", "selftest_time_decay", "selftest_softmax_shift",
        "selftest_int8_memory", "algebraic_softplus", "mean_output")),
)


def notebook_of() -> dict[str, str]:
    """name -> the notebook that asks it."""
    return {name: notebook for notebook, names in CATALOGUE for name in names}
