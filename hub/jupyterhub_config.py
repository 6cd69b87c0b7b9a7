"""JupyterHub for a bplearn class, on one machine: `make hub` installs it, `make hub-test` tests it.

    .venv/bin/jupyterhub -f hub/jupyterhub_config.py         (from the repository's folder)

- the proxy: configurable-http-proxy from npm, installed into hub/node_modules by `make hub`;
- the hub on 127.0.0.1:8000 (put a TLS proxy such as nginx or Caddy in front for a class);
- each learner's JupyterLab is a local process (the "simple" spawner: every learner runs as the
  hub's own system user, with a home folder of their own and no isolation between learners: for a
  trial or a small trusted group; for a class use Zero to JupyterHub, see notebooks/INSTRUCTORS.md);
- before each learner's server starts, `bplearn workspace HOME/bplearn-course` copies in the course
  notebooks the learner does not have yet (never overwriting their work);
- nbgrader's exchange, shared by the instructor (release, collect) and the learners (fetch,
  submit): hub/learner/nbgrader_config.py is the learners' side.

Settings from the environment (defaults in brackets):
    BPLEARN_HUB_DIR        the hub's database, cookie secret and learners' homes [hub/state]
    BPLEARN_HUB_EXCHANGE   nbgrader's exchange folder [BPLEARN_HUB_DIR/exchange]
    BPLEARN_COURSE_ID      nbgrader's course id [bplearn]
    BPLEARN_HUB_AUTHENTICATOR  who may log in [pam: the machine's accounts]; "dummy" lets any name
                           in without a password (tests only)
"""

import asyncio
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub's config loader defines get_config)

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent  # the environment JupyterHub runs in has bplearn too
STATE = Path(os.environ.get("BPLEARN_HUB_DIR", HERE / "state")).resolve()
EXCHANGE = Path(os.environ.get("BPLEARN_HUB_EXCHANGE", STATE / "exchange")).resolve()
COURSE_ID = os.environ.get("BPLEARN_COURSE_ID", "bplearn")
STATE.mkdir(parents=True, exist_ok=True)

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = 8000
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
proxy = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
if proxy.exists():
    c.ConfigurableHTTPProxy.command = [str(proxy)]

c.JupyterHub.authenticator_class = os.environ.get("BPLEARN_HUB_AUTHENTICATOR", "pam")
c.Authenticator.allow_all = True  # every account that can log in is a learner

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/bplearn-course"
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
c.Spawner.environment = {
    "OPENBLAS_NUM_THREADS": "1",  # one BLAS thread per kernel: learners share the cores
    "JUPYTER_CONFIG_PATH": str(HERE / "learner"),
    "BPLEARN_COURSE_ID": COURSE_ID,
    "BPLEARN_EXCHANGE": str(EXCHANGE),
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
}
c.Spawner.start_timeout = 120  # a loaded machine starts JupyterLab slowly
c.Spawner.http_timeout = 120


async def seed_workspace(spawner):
    """Copy the course notebooks the learner lacks into HOME/bplearn-course (their work is never
    overwritten)."""
    home = Path(spawner.home_dir)
    home.mkdir(parents=True, exist_ok=True)
    seeding = await asyncio.create_subprocess_exec(
        str(BIN / "bplearn"),
        "workspace",
        str(home / "bplearn-course"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await seeding.communicate()
    if seeding.returncode != 0:
        raise RuntimeError(f"bplearn workspace for {spawner.user.name} failed: {out.decode()}")
    spawner.log.info("bplearn workspace for %s: %s", spawner.user.name, out.decode().strip())


c.Spawner.pre_spawn_hook = seed_workspace
