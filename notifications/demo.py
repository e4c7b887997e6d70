"""Demo data for seed_demo: one broadcast and a few personal notifications.

Idempotent: the broadcast is created once (found by its title), and each demo
client gets each personal notification once. Runs after the accounts demo, so
the demo clients exist; with no clients it writes nothing.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Client
from notifications.models import Broadcast, Notification
from notifications.services import broadcast_create, notifications_send

BROADCAST_TITLE = "Sardoba: yangi menyu / новое меню"
BROADCAST_TEXT = "Yangi taomlar menyuda! Новые блюда уже в меню!"
PERSONAL = (
    (
        "Xush kelibsiz! / Добро пожаловать!",
        "Sardoba ilovasiga xush kelibsiz.",
        "welcome",
    ),
    ("Sovg‘a / Подарок", "Tug‘ilgan kuningiz bilan! С днём рождения!", "promo"),
)
DEMO_CLIENTS = 5


def seed(stdout: Any) -> None:
    clients = list(Client.objects.active().order_by("pk")[:DEMO_CLIENTS])
    if not clients:
        stdout.write("notifications: no active clients, nothing to seed")
        return
    if not Broadcast.objects.filter(title=BROADCAST_TITLE).exists():
        broadcast = broadcast_create(
            staff=None, title=BROADCAST_TITLE, description=BROADCAST_TEXT
        )
        stdout.write(
            f"notifications: broadcast to {broadcast.recipients_count} clients"
        )
    for title, text, kind in PERSONAL:
        missing = [
            c.pk
            for c in clients
            if not Notification.objects.filter(client=c, title=title).exists()
        ]
        if missing:
            notifications_send(
                staff=None,
                user_ids=missing,
                title=title,
                description=text,
                notification_type=kind,
            )
    stdout.write("notifications: demo inbox ready")
