r"""``python -m course_lib.figures``: see :func:`course_lib.figures.main`."""

from course_lib.figures import main

main()
