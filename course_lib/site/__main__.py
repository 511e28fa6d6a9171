import sys

from course_lib.site.build import main

sys.exit(main())
