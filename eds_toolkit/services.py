"""Wiring: from Settings to the ServiceContext the steps run in (database, clock, SMS, citizens, CA)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from eds_toolkit.bootstrap import ca_directory, ca_passphrase
from eds_toolkit.citizens import HttpCitizensRegistry, TableCitizensBase
from eds_toolkit.clock import SystemClock
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.db import make_engine, make_sessionmaker
from eds_toolkit.registers import make_registers
from eds_toolkit.settings import Settings
from eds_toolkit.sms import make_gateway


def certificate_authority_loader(settings: Settings, engine: Engine) -> Callable:
    """A function returning the process's CertificateAuthority, loading its keys once (about 45 ms)."""
    lock = threading.Lock()
    loaded: list = []

    def load():
        if loaded:
            return loaded[0]
        with lock:
            if not loaded:
                from ca.authority import CertificateAuthority
                from ca.store import CertificateStore

                loaded.append(
                    CertificateAuthority.load(
                        ca_directory(settings.home), ca_passphrase(settings), CertificateStore(engine)
                    )
                )
        return loaded[0]

    return load


def derived_key(secret_key: str, purpose: str) -> bytes:
    """A key for one purpose derived from the app secret (codes and audit hashes never share a key)."""
    return hashlib.sha256(f"eds-toolkit/{purpose}/{secret_key}".encode()).digest()


def build_service_context(settings: Settings, engine: Engine | None = None) -> ServiceContext:
    """The ServiceContext for ``settings``."""
    engine = engine or make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    clock = settings.clock or SystemClock()
    sms = settings.sms or make_gateway(
        settings.sms_gateway, home=settings.home, url=settings.sms_url, token=settings.sms_token
    )
    return ServiceContext(
        sessions=sessions,
        clock=clock,
        sms=sms,
        citizens=(
            HttpCitizensRegistry(settings.citizens_registry_url)
            if settings.citizens_registry_url
            else TableCitizensBase(sessions, clock=clock)
        ),
        ca=certificate_authority_loader(settings, engine),
        audit_key=derived_key(settings.secret_key, "audit"),
        otp_key=derived_key(settings.secret_key, "otp"),
        enrolment_ttl=settings.enrolment_ttl,
        phone_change_hold=settings.phone_change_hold_hours * 3600,
        base_url=settings.base_url,
        replacements_per_enrolment=settings.replacements_per_enrolment,
        keystore_pickup_seconds=settings.keystore_pickup_minutes * 60,
        registers=make_registers(
            sessions,
            property_url=settings.property_registry_url,
            rental_url=settings.rental_registry_url,
            family_url=settings.family_registry_url,
            capacity_url=settings.capacity_registry_url,
        ),
        time_zone=settings.time_zone,
    )
