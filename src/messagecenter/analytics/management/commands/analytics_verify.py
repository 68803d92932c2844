"""Compare the incrementally kept metric rows with a full recomputation (docs/metrics.md)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from messagecenter.analytics import services


class Command(BaseCommand):
    help = (
        "Verify the analytics metric rows against a full recomputation and the daily roll-ups "
        "against a recount of the metric rows (--fix rewrites both)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, help="only this account (its pk)")
        parser.add_argument("--fix", action="store_true", help="write the recomputed rows")

    def handle(self, *args, account=None, fix=False, **options):
        started = time.perf_counter()
        result = services.verify(account, fix=fix)
        seconds = time.perf_counter() - started
        for key in result.missing:
            self.stdout.write(f"missing row: {key}")
        for difference in result.differences:
            for name, (stored, computed) in difference.fields.items():
                self.stdout.write(
                    f"{difference.conversation_key} {name}: stored {stored!r}, "
                    f"recomputed {computed!r}"
                )
        for (slice_, part, day), stored, recounted in result.rollup_differences:
            names = sorted(set(stored) | set(recounted))
            changed = {n: (stored.get(n, 0), recounted.get(n, 0)) for n in names}
            shown = ", ".join(
                f"{n} stored {a}, recounted {b}" for n, (a, b) in changed.items() if a != b
            )
            self.stdout.write(f"roll-up {slice_ or 'all'}|{part or 'all'} {day}: {shown}")
        self.stdout.write(
            f"{result.checked} conversations checked in {seconds:.1f} s: "
            f"{len(result.missing)} missing, {len(result.differences)} different; "
            f"roll-ups of {result.rollups_checked} accounts: "
            f"{len(result.rollup_differences)} days different" + (" (fixed)" if fix else "")
        )
        if not result.agrees and not fix:
            raise CommandError("the metric rows disagree with the recomputation")
