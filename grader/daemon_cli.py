"""`grader daemon status|start|stop`: the warm check server, for those who ask.

`grader check` starts and uses it on its own (grader/learner/client.py); these commands show
it, start it ahead of the first check, or stop it. GRADER_NO_DAEMON=1 turns it off.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import click


def _target(ctx: click.Context):
    from .learner.daemon_paths import UnsafeDirectory, resolved_course, target

    try:
        return target(Path.cwd(), resolved_course(ctx.obj.get("course")))
    except (UnsafeDirectory, OSError) as exc:
        from .cli_support import fail

        fail(f"no warm server possible here: {exc}")


@click.group()
def daemon() -> None:
    """The warm check server that makes `grader check` fast (started on first need)."""


@daemon.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Whether this workspace's warm server runs, since when, and how much it served."""
    from .learner.client import ask, disabled

    target = _target(ctx)
    reply = ask(target, "status")
    if disabled():
        click.echo("The warm server is turned off (GRADER_NO_DAEMON is set): checks run cold.")
    if reply is None or reply.get("status") != "running":
        click.echo("No warm server for this workspace: the next `grader check` starts one.")
        return
    started = datetime.datetime.fromtimestamp(float(reply.get("started", 0))).strftime("%H:%M:%S")
    click.echo(f"Warm server running: pid {reply.get('pid')}, since {started}, "
               f"{reply.get('served')} checks served, isolation {reply.get('isolation')}; "
               f"exits after {float(reply.get('idle_timeout', 0)):g} s idle.")
    click.echo(f"Socket: {reply.get('socket')}")


@daemon.command()
@click.pass_context
def start(ctx: click.Context) -> None:
    """Start this workspace's warm server now (the first check then is warm too)."""
    from .learner.client import ask, start_server

    target = _target(ctx)
    if ask(target, "status") is not None:
        click.echo("Already running.")
        return
    from .learner.daemon_paths import resolved_course

    if not start_server(target, resolved_course(ctx.obj.get("course"))):
        from .cli_support import fail

        fail(f"the warm server did not start; its log: {target.log}")
    click.echo("Warm server started.")


@daemon.command()
@click.option("--all", "every", is_flag=True, help="Stop every warm server of yours, for every workspace.")
@click.pass_context
def stop(ctx: click.Context, every: bool) -> None:
    """Stop this workspace's warm server (or --all of yours)."""
    from .learner.client import ask
    from .learner.daemon_paths import Target

    targets = [_target(ctx)]
    if every:
        directory = targets[0].directory
        targets = [Target(directory, p.stem) for p in sorted(directory.glob("*.sock"))]
    stopped = sum(1 for t in targets if (ask(t, "stop") or {}).get("status") == "stopping")
    click.echo(f"Stopped {stopped} warm server{'s' if stopped != 1 else ''}." if stopped
               else "No warm server was running.")


COMMANDS = [daemon]  # added to the `grader` group by grader/cli.py
