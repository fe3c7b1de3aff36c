"""The production deploy files: Dockerfile, .dockerignore and docker-compose.yml.

Docker cannot run here, so these read the files and check what a build or a
`docker compose up` would trip on: a service that is missing or misnamed, a
command pointing at a module, app, management command or option that does not
exist, an environment variable the settings never read, a secret with a
default, an image that installs the dev tools or runs as root.
"""

import fnmatch
import importlib
import json
import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.base import CLIContext
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import get_commands, load_command_class
from gunicorn.config import Config as GunicornConfig

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")


# --- docker-compose.yml ------------------------------------------------------


@cache
def compose_text():
    return (ROOT / "docker-compose.yml").read_text()


def compose():
    return yaml.safe_load(compose_text())


def services():
    return compose()["services"]


def environment(service):
    """A service's environment as a dict, whether written as a mapping or as KEY=value lines."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(line.partition("=")[::2] for line in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def interpolations(text):
    return [match.groupdict() for match in INTERPOLATION.finditer(text)]


def without_interpolation(text):
    """``text`` with each ``${VAR...}`` replaced by a plain ``__VAR__`` marker."""
    return INTERPOLATION.sub(lambda m: f"__{m['name']}__", text)


@cache
def settings_env_names():
    """The environment variables salestracker/settings.py reads: env("X"), env.bool("X"), env.db("X"), ..."""
    source = (ROOT / "salestracker" / "settings.py").read_text()
    names = set(re.findall(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL"} <= names, "the regex no longer finds the settings' variables"
    return names


def programs(command):
    """The programs a command runs, as argument lists.

    Exec form (a list) is one program. ``sh -c "a && exec b"`` is split on
    ``&&`` with a leading ``exec`` dropped; any other shell syntax is refused,
    so that every program can be checked.
    """
    argv = shlex.split(command) if isinstance(command, str) else [str(word) for word in command]
    if argv[:2] != ["sh", "-c"]:
        return [argv]
    assert len(argv) == 3, f"sh -c takes one script: {argv}"
    script = argv[2]
    assert not re.search(r"[;|`$<>\n]|(?<!&)&(?!&)", script), f"keep the script to `a && b`: {script!r}"
    result = []
    for part in script.split("&&"):
        words = shlex.split(part)
        if words[:1] == ["exec"]:
            words = words[1:]
        assert words, f"empty command in {script!r}"
        result.append(words)
    return result


def service_programs(name):
    service = services()[name]
    command = service.get("command") or dockerfile_cmd()
    return programs(command)


def all_programs():
    """Every program the app services and the image's default command run, with where it came from."""
    found = [(name, argv) for name in APP_SERVICES for argv in service_programs(name)]
    found += [("Dockerfile CMD", argv) for argv in programs(dockerfile_cmd())]
    return found


def programs_named(program):
    return [(where, argv) for where, argv in all_programs() if argv[0] == program]


def gunicorn_args(argv):
    """gunicorn's own parse of its command line (it exits on an unknown option)."""
    return GunicornConfig().parser().parse_args(argv[1:])


def celery_invocation(argv):
    """(app, subcommand name, parsed subcommand parameters) of a ``celery`` command line, parsed by celery's CLI."""
    args = argv[1:]
    positions = [i for i, word in enumerate(args) if word in celery_cli.commands]
    assert positions, f"no celery subcommand in {argv}"
    split = positions[0]
    top = celery_cli.make_context("celery", args[:split])
    assert not top.args, f"unexpected celery arguments {top.args} in {argv}"
    app = find_app(top.params["app"])
    name = args[split]
    sub = celery_cli.commands[name].make_context(
        name, args[split + 1 :], obj=CLIContext(app=app, no_color=True, workdir=None, quiet=True)
    )
    return app, name, sub.params


def test_it_parses_the_compose_file():
    data = compose()

    assert isinstance(data, dict)
    assert isinstance(data.get("services"), dict)


def test_it_names_the_five_services():
    assert set(services()) == {"db", "redis", "web", "worker", "beat"}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_builds_the_app_services_from_the_project_directory(name):
    build = services()[name]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")

    assert context == "."
    assert (ROOT / context / dockerfile).is_file()


def test_it_runs_only_programs_these_tests_check():
    # python manage.py, gunicorn and celery are each checked below; anything else would go unchecked.
    for where, argv in all_programs():
        assert argv[0] in {"python", "gunicorn", "celery"}, f"{where} runs {argv[0]!r}"


def test_it_runs_management_commands_that_exist_with_options_they_accept():
    found = programs_named("python")
    assert found

    for where, argv in found:
        assert argv[1] == "manage.py", f"{where}: {argv}"
        assert (ROOT / "manage.py").is_file()
        name = argv[2]
        assert name in get_commands(), f"{where}: no management command {name!r}"
        command = load_command_class(get_commands()[name], name)
        command.create_parser("manage.py", name).parse_args(argv[3:])  # CommandError on a bad option


def test_it_migrates_before_starting_gunicorn():
    steps = [argv[:3] if argv[0] == "python" else argv[:1] for argv in service_programs("web")]

    assert ["python", "manage.py", "migrate"] in steps
    assert ["gunicorn"] in steps
    assert steps.index(["python", "manage.py", "migrate"]) < steps.index(["gunicorn"])


@pytest.mark.parametrize("where", ["web", "Dockerfile CMD"])
def test_it_points_gunicorn_at_the_wsgi_application(where):
    [argv] = [argv for found, argv in programs_named("gunicorn") if found == where]
    [spec] = gunicorn_args(argv).args
    module_name, _, attribute = spec.partition(":")

    assert spec == "salestracker.wsgi:application"
    application = getattr(importlib.import_module(module_name), attribute)
    assert isinstance(application, WSGIHandler)


@pytest.mark.parametrize("where", ["web", "Dockerfile CMD"])
def test_it_logs_gunicorn_access_to_stdout_with_several_workers(where):
    [argv] = [argv for found, argv in programs_named("gunicorn") if found == where]
    args = gunicorn_args(argv)

    assert args.accesslog == "-"
    assert args.workers >= 2


def test_it_publishes_the_port_gunicorn_binds():
    [argv] = [argv for argv in service_programs("web") if argv[0] == "gunicorn"]
    published = [str(port).rsplit(":", 1)[-1] for port in services()["web"]["ports"]]
    exposed = " ".join(args for instruction, args in final_stage().instructions if instruction == "EXPOSE").split()

    assert gunicorn_args(argv).bind == ["0.0.0.0:8000"]
    assert "8000" in published
    assert "8000" in exposed


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_it_points_celery_at_the_project_celery_app(name):
    [argv] = service_programs(name)
    app, _, _ = celery_invocation(argv)

    assert isinstance(app, Celery)
    assert app is importlib.import_module("salestracker.celery").app


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_it_runs_the_celery_subcommand_named_like_the_service(name):
    [argv] = service_programs(name)
    _, subcommand, params = celery_invocation(argv)  # click raises on an unknown option or log level

    assert subcommand == name
    assert params["loglevel"] is not None


def test_it_keeps_the_beat_schedule_where_the_unprivileged_user_can_write():
    # /app belongs to root in the image; beat writes its schedule file as the app user.
    [argv] = service_programs("beat")
    _, _, params = celery_invocation(argv)

    assert params["schedule"].startswith("/tmp/")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_gives_the_app_only_variables_the_settings_read(name):
    unknown = set(environment(services()[name])) - settings_env_names()

    assert not unknown, f"{name} sets {sorted(unknown)}, which salestracker/settings.py never reads"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_fills_the_app_environment_only_from_variables_the_app_or_db_read(name):
    db_env = set(environment(services()["db"]))
    values = " ".join(environment(services()[name]).values())
    used = {found["name"] for found in interpolations(values)}

    assert used, "the app's settings come from the environment"
    assert used <= settings_env_names() | db_env


def test_it_requires_the_secret_key_and_database_password_with_no_default():
    required = {"SECRET_KEY", "POSTGRES_PASSWORD"}
    uses = [found for found in interpolations(compose_text()) if found["name"] in required]

    assert {found["name"] for found in uses} == required
    for found in uses:
        assert found["op"] in (":?", "?"), f"${{{found['name']}}} must be required, not {found['op']!r}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_runs_the_app_services_with_debug_off(name):
    env = environment(services()[name])

    assert environ.Env.parse_value(env["DEBUG"], bool) is False


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_points_the_app_at_the_compose_database(name):
    db_env = {key: without_interpolation(value) for key, value in environment(services()["db"]).items()}
    url = urlsplit(without_interpolation(environment(services()[name])["DATABASE_URL"]))

    assert url.scheme in ("postgres", "postgresql")
    assert (url.hostname, url.port) == ("db", 5432)
    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"]
    assert url.path == "/" + db_env["POSTGRES_DB"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_points_the_app_at_the_compose_redis(name):
    url = urlsplit(environment(services()[name])["REDIS_URL"])

    assert url.scheme == "redis"
    assert (url.hostname, url.port or 6379) == ("redis", 6379)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_starts_the_app_once_db_and_redis_are_healthy(name):
    depends_on = services()[name]["depends_on"]

    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_it_health_checks_db_with_pg_isready_and_redis_with_ping():
    db_check = " ".join(services()["db"]["healthcheck"]["test"])
    redis_check = " ".join(services()["redis"]["healthcheck"]["test"])

    assert services()["db"]["image"] == "postgres:15"
    assert "pg_isready" in db_check
    assert services()["redis"]["image"] == "redis:7"
    assert "redis-cli ping" in redis_check


def test_it_keeps_the_database_on_a_named_volume():
    mounts = [str(volume).split(":") for volume in services()["db"]["volumes"]]
    [source] = [mount[0] for mount in mounts if mount[1] == "/var/lib/postgresql/data"]

    assert source in (compose().get("volumes") or {})


def test_it_restarts_every_service_unless_stopped():
    for name, service in services().items():
        assert service.get("restart") == "unless-stopped", name


# --- Dockerfile --------------------------------------------------------------


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def runs(self):
        return [args for instruction, args in self.instructions if instruction == "RUN"]

    def index(self, predicate):
        return next(i for i, (instruction, args) in enumerate(self.instructions) if predicate(instruction, args))


@cache
def dockerfile_instructions():
    """(INSTRUCTION, arguments) of each instruction, comments dropped and continuation lines joined."""
    instructions, pending = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        instruction, _, args = (pending + line).partition(" ")
        instructions.append((instruction.upper(), " ".join(args.split())))
        pending = ""
    return instructions


def stages():
    result = []
    for instruction, args in dockerfile_instructions():
        if instruction == "FROM":
            words = [word for word in args.split() if not word.startswith("--platform")]
            name = words[2] if len(words) == 3 and words[1].lower() == "as" else None
            result.append(Stage(image=words[0], name=name))
        else:
            assert result, f"{instruction} before the first FROM"
            result[-1].instructions.append((instruction, args))
    return result


def final_stage():
    return stages()[-1]


def dockerfile_cmd():
    [args] = [args for instruction, args in final_stage().instructions if instruction == "CMD"]
    return json.loads(args) if args.startswith("[") else shlex.split(args)


def test_it_builds_the_runtime_from_python_3_11():
    assert final_stage().image == "python:3.11-slim"


def test_it_installs_the_runtime_requirements_only():
    stage = final_stage()
    install = stage.index(lambda i, a: i == "RUN" and "pip install" in a and re.search(r"-r\s+requirements\.txt\b", a))
    copied = stage.index(lambda i, a: i == "COPY" and ("requirements.txt" in a.split() or a.split()[0] == "."))

    assert copied < install
    assert not any("requirements-dev" in args for _, args in dockerfile_instructions())


def test_it_installs_the_front_end_packages_with_npm_ci():
    [node] = [stage for stage in stages() if stage.image.startswith("node:")]
    copies = " ".join(args for instruction, args in node.instructions if instruction == "COPY").split()

    assert node.image == "node:20-slim"
    assert {"package.json", "package-lock.json"} <= set(copies)
    assert any(re.search(r"\bnpm ci\b", run) for run in node.runs())
    assert not any(re.search(r"\bnpm (install|i)\b", run) for run in node.runs())
    assert any(
        instruction == "COPY" and f"--from={node.name}" in args and "node_modules" in args
        for instruction, args in final_stage().instructions
    )


def test_it_collects_static_files_at_build_time_with_debug_off():
    stage = final_stage()
    collect = stage.index(lambda i, a: i == "RUN" and "manage.py collectstatic" in a)
    node_modules = stage.index(lambda i, a: i == "COPY" and a.startswith("--from=") and "node_modules" in a)
    run = stage.instructions[collect][1]

    assert node_modules < collect
    assert "--noinput" in run.split()
    assert re.search(r"\bDEBUG=0\s", run)
    assert re.search(r"\bSECRET_KEY=\S+\s", run)


def test_it_keeps_the_build_only_secret_key_out_of_the_image():
    for instruction, args in dockerfile_instructions():
        if instruction in ("ENV", "ARG"):
            assert "SECRET_KEY" not in args, f"{instruction} {args}"


def test_it_runs_as_a_non_root_user():
    stage = final_stage()
    users = [args for instruction, args in stage.instructions if instruction == "USER"]
    assert users, "the image has no USER, so it runs as root"
    user = users[-1].partition(":")[0]

    assert user not in ("root", "0")
    if not user.isdigit():
        assert any(re.search(rf"\b(useradd|adduser)\b.*\b{re.escape(user)}\b", run) for run in stage.runs())


# --- .dockerignore -----------------------------------------------------------


def dockerignore_patterns():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip().strip("/") for line in lines if line.strip() and not line.lstrip().startswith(("#", "!"))]


def test_it_keeps_local_environments_and_data_out_of_the_build_context():
    assert {".venv", "node_modules", ".git", "db.sqlite3", "staticfiles"} <= set(dockerignore_patterns())


def test_it_sends_the_build_the_files_the_app_needs():
    local_apps = {app.split(".")[0] for app in settings.INSTALLED_APPS}
    directories = [*local_apps, *settings.LOCALE_PATHS, *(d for t in settings.TEMPLATES for d in t["DIRS"])]
    directories += [d[1] if isinstance(d, tuple) else d for d in settings.STATICFILES_DIRS]
    needed = {"manage.py", "requirements.txt", "package.json", "package-lock.json", "salestracker"}
    for directory in directories:
        top = Path(directory).relative_to(ROOT).parts[0] if Path(directory).is_absolute() else str(directory)
        if (ROOT / top).exists() and top != "node_modules":  # node_modules comes from the node stage
            needed.add(top)
    assert {"accounts", "templates", "static"} <= needed

    for name in sorted(needed):
        for pattern in dockerignore_patterns():
            assert not fnmatch.fnmatch(name, pattern), f".dockerignore pattern {pattern!r} drops {name}"
