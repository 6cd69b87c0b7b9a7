"""nbgrader as a learner uses it on the hub (fetch, submit, the Assignments tab): the course and
the exchange come from the spawner's environment (jupyterhub_config.py). The hub spawner sets
JUPYTER_CONFIG_PATH to this folder."""

import os

c = get_config()  # noqa: F821 (nbgrader's config loader defines get_config)
c.CourseDirectory.course_id = os.environ["BPLEARN_COURSE_ID"]
c.Exchange.root = os.environ["BPLEARN_EXCHANGE"]
# Every learner's server runs as the hub's own system user here (the simple spawner), so nbgrader
# cannot tell learners apart by system user: it names the submission after the hub user.
c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
