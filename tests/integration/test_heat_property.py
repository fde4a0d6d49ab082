# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Random days of commands, restarts, SIGKILLs and clock jumps against the real daemon.

The daemon runs in its own process (``daemon_process``: ``recoveryd run`` on a clock the test
moves) on a real mosquitto; the sauna and the boots are stand-in Tasmota plugs that answer
like the firmware and keep their own history: every POWER command, with the PulseTime armed
before it, switching themselves off when it runs out. Hypothesis draws what a careless
household, a misbehaving automation or an attacker would send (Skip, Start, a protocol, an
override from the command line, a check-in), with restarts, SIGKILLs and clock jumps between.
Each day is then checked against the plugs' own history:

* never switched on while on (a second ON re-arms the auto-off: heat without end);
* per device and day, no more switch-ons and no longer armed on-time than the budget;
* every ON armed with an auto-off that ends it by its session's planned end (as logged);
* every device off at the end, once both athletes skip (and switched off by an OFF or its
  own auto-off in between).

`make test` draws a few days; `make fuzz` many more.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from zoneinfo import ZoneInfo

import aiomqtt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recoveryd.cli.main import main as cli
from recoveryd.cli.sampledata import generate
from recoveryd.domain.models import Protocol
from recoveryd.home.device_ledger import LoggedAction
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress, until

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]

BERLIN = ZoneInfo("Europe/Berlin")
BEGIN = datetime(2026, 3, 4, 17, 26, tzinfo=BERLIN)  # two minutes before the first switch-on
EXAMPLES = 200 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 6
BUDGETS = {"sauna": (2, 60), "boots": (3, 10)}  # switch-ons, minutes a day
LATEST_OFF = {"sauna": time_of_day(23, 0), "boots": time_of_day(23, 30)}
ATHLETES = ("alex", "sam")


def household(tmp: Path, port: int) -> str:
    return f"""
household: {{timezone: Europe/Berlin, decide_at: "07:00"}}
storage: {{path: {tmp / "r.db"}, poll_interval_s: 0.2}}
mqtt: {{host: 127.0.0.1, port: {port}, client_id: recoveryd-heat, reconnect_max_s: 1}}
homeassistant: {{discovery: false}}
athletes: [{{id: alex, name: Alex, sources: [oura]}}, {{id: sam, name: Sam, sources: [garmin]}}]
devices:
  sauna: {{kind: sauna, via: tasmota, topic: sauna_plug, heat_rate_c_per_min: 10, ambient_c: 20,
          start_wait_min: 5, daily_max_switch_ons: {BUDGETS["sauna"][0]},
          daily_max_on_min: {BUDGETS["sauna"][1]}}}
  boots: {{kind: compression, via: tasmota, topic: boots_plug,
          daily_max_switch_ons: {BUDGETS["boots"][0]}, daily_max_on_min: {BUDGETS["boots"][1]}}}
recovery:
  active_recovery:
    sauna: {{device: sauna, ready_by: "17:30", minutes: 5, temp_c: 40}}
    compression: {{device: boots, at: "17:27", minutes: 2}}
  rest:
    compression: {{device: boots, at: "17:28", minutes: 2}}
"""


@dataclass
class Plug:
    """A stand-in Tasmota plug: its commands, its auto-off, its history."""

    topic: str
    pulse_s: float | None = None
    on_since: float | None = None  # monotonic
    off_at: float | None = None  # when the armed PulseTime switches it off
    history: list[tuple[float, datetime, str, float | None]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def is_on(self, now: float) -> bool:
        return self.on_since is not None and (self.off_at is None or now < self.off_at)

    def command(self, what: str, payload: str, virtual: datetime) -> None:
        now = time.monotonic()
        if what == "PulseTime":
            self.pulse_s = int(payload) - 100
            return
        if payload == "ON":
            if self.is_on(now):
                self.violations.append(f"{self.topic}: ON at {virtual:%H:%M:%S} while on")
            if self.pulse_s is None:
                self.violations.append(f"{self.topic}: ON at {virtual:%H:%M:%S} without PulseTime")
            self.history.append((now, virtual, "ON", self.pulse_s))
            self.on_since = now
            self.off_at = None if self.pulse_s is None else now + self.pulse_s
            self.pulse_s = None  # PulseTime is armed for this one switch-on
        else:
            self.history.append((now, virtual, "OFF", None))
            self.on_since = self.off_at = None


@dataclass
class Household:
    """The test's side: the clock offset, the daemon process, the plugs, what came back."""

    tmp: Path
    broker: BrokerAddress
    offset: float = 0.0
    process: asyncio.subprocess.Process | None = None
    runs: int = 0
    plugs: dict[str, Plug] = field(
        default_factory=lambda: {"sauna": Plug("sauna_plug"), "boots": Plug("boots_plug")}
    )
    answers: int = 0  # command and error events
    online: int = 0
    clock_changes: list[tuple[datetime, float]] = field(default_factory=list)

    @property
    def clock_file(self) -> Path:
        return self.tmp / "clock"

    def virtual(self) -> datetime:
        return datetime.now(BERLIN) + timedelta(seconds=self.offset)

    def set_clock(self, moment: datetime) -> None:
        self.offset = (moment - datetime.now(BERLIN)).total_seconds()
        self.clock_file.write_text(repr(self.offset), encoding="utf-8")
        self.clock_changes.append((datetime.now(BERLIN), self.offset))

    def virtual_at(self, real: datetime) -> datetime:
        """The daemon's time at the real moment ``real``."""
        offset = next((o for when, o in reversed(self.clock_changes) if when <= real), 0.0)
        return real + timedelta(seconds=offset)

    async def start(self) -> None:
        self.runs += 1
        online = self.online
        with (self.tmp / f"daemon-{self.runs}.log").open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.integration.daemon_process",
                str(self.tmp / "r.yaml"), str(self.clock_file),
                stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )  # fmt: skip
        await until(lambda: self.online > online, "the daemon online", 30)

    async def stop(self, *, kill: bool) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.kill() if kill else self.process.terminate()
        await asyncio.wait_for(self.process.wait(), 30)

    def log(self) -> str:
        return (self.tmp / f"daemon-{self.runs}.log").read_text(encoding="utf-8", errors="replace")

    async def listen(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            topic, payload = str(message.topic), message.payload
            text = payload.decode() if isinstance(payload, bytes) else str(payload)
            if topic.startswith("cmnd/"):
                _, plug, what = topic.split("/")
                device = "sauna" if plug == "sauna_plug" else "boots"
                self.plugs[device].command(what, text, self.virtual())
                if what == "POWER":
                    await client.publish(f"stat/{plug}/POWER", text)
            elif topic == "recoveryd/status" and text == "online":
                self.online += 1
            elif topic.endswith("/event") and ('"command"' in text or '"error"' in text):
                self.answers += 1


STEPS = st.one_of(
    st.tuples(st.sampled_from(["skip_today", "start_session"]), st.sampled_from(ATHLETES)),
    st.tuples(
        st.just("protocol"),
        st.sampled_from(ATHLETES),
        st.sampled_from(["auto", "rest", "active_recovery", "mobility"]),
    ),
    st.tuples(
        st.just("override"), st.sampled_from(ATHLETES), st.sampled_from(["rest", "active_recovery"])
    ),
    st.tuples(st.just("checkin_mood"), st.sampled_from(ATHLETES), st.integers(1, 5)),
    st.tuples(st.sampled_from(["restart", "kill"])),
    st.tuples(st.just("jump"), st.sampled_from([-20, -3, 2, 5, 12])),
    st.tuples(st.just("wait"), st.sampled_from([0.5, 1.5, 3.0])),
)


async def command(
    home: Household, client: aiomqtt.Client, athlete: str, control: str, value: str
) -> None:
    answers = home.answers
    await client.publish(f"recoveryd/{athlete}/set/{control}", value, qos=1)
    await until(lambda: home.answers > answers, f"an answer to {control}", 15)


async def step(home: Household, client: aiomqtt.Client, drawn: tuple[object, ...]) -> None:
    match drawn:
        case ("skip_today" | "start_session" as button, str(athlete)):
            await command(home, client, athlete, button, "PRESS")
        case ("protocol", str(athlete), str(protocol)):
            await command(home, client, athlete, "protocol", protocol)
        case ("checkin_mood", str(athlete), int(value)):
            await command(home, client, athlete, "checkin_mood", str(value))
        case ("override", str(athlete), str(protocol)):
            day, config = SAMPLE_END.isoformat(), str(home.tmp / "r.yaml")
            args = ["override", "--athlete", athlete, "--protocol", protocol,
                    "--date", day, "--config", config]  # fmt: skip
            assert await asyncio.to_thread(cli, args) == 0
            await asyncio.sleep(0.6)  # the daemon's store poll (0.2 s) notices it
        case ("restart" | "kill" as how,):
            await home.stop(kill=how == "kill")
            await home.start()
        case ("jump", int(minutes)):
            home.set_clock(home.virtual() + timedelta(minutes=minutes))
            said = "the system clock jumped"
            await until(lambda: home.log().count(said) > 0, "the jump noticed", 15)
            await asyncio.sleep(0.3)  # the day planned again, what is due started
        case ("wait", float(seconds)):
            await asyncio.sleep(seconds)


async def run_day(
    home: Household, config: str, steps: list[tuple[object, ...]], all_off: Callable[[], bool]
) -> None:
    """One day: both athletes on active recovery, ``steps``, then both skip until ``all_off``."""
    tmp, broker = home.tmp, home.broker
    (tmp / "r.yaml").write_text(config, encoding="utf-8")
    with Store(tmp / "r.db") as store:
        store.upsert(*generate(SAMPLE_END))
        for athlete in ATHLETES:
            store.set_override(athlete, SAMPLE_END, Protocol.ACTIVE_RECOVERY, BEGIN)
    home.set_clock(BEGIN)
    async with aiomqtt.Client(broker.host, broker.port, identifier=f"test-{tmp.name}") as client:
        for topic in ("cmnd/+/+", "recoveryd/status", "recoveryd/+/event"):
            await client.subscribe(topic, qos=1)
        listening = asyncio.create_task(home.listen(client))
        try:
            await home.start()
            for drawn in steps:
                await step(home, client, drawn)
            for athlete in ATHLETES:  # the day ends: both skip, whatever is on goes off
                await command(home, client, athlete, "skip_today", "PRESS")
            await until(all_off, "everything off", 30)
            await home.stop(kill=False)
        finally:
            if home.process is not None and home.process.returncode is None:
                await home.stop(kill=True)
            listening.cancel()


def within_a_session(armed: timedelta, rests: Iterator[timedelta]) -> bool:
    """Whether ``armed`` is no longer than the rest of a session logged as sent.

    ``rests`` are those rests in the order logged and are used up: a switch-on matches one
    after the last matched (one logged but never sent, the daemon killed, is passed over);
    2 s for the message's way.
    """
    return any(armed <= rest + timedelta(seconds=2) for rest in rests)


def rests_of(log: list[LoggedAction], device: str) -> Iterator[timedelta]:
    """For each switch-on of ``device`` logged as sent: the rest of its session from then."""
    return iter([
        r.ends_at - r.logged_at for r in log
        if r.device == device and r.status == "sending" and r.ends_at is not None
    ])  # fmt: skip


def check(home: Household) -> None:
    with Store(home.tmp / "r.db") as store:
        log = store.action_log(SAMPLE_END, SAMPLE_END)
    for device, plug in home.plugs.items():
        assert plug.violations == [], plug.violations
        ons = [(virtual, pulse) for _, virtual, what, pulse in plug.history if what == "ON"]
        switch_ons, minutes = BUDGETS[device]
        assert len(ons) <= switch_ons, f"{device}: {len(ons)} switch-ons"
        armed = sum(pulse or 0 for _, pulse in ons)
        assert armed <= minutes * 60, f"{device}: armed for {armed} s in all"
        rests = rests_of(log, device)
        for virtual, pulse in ons:
            assert pulse is not None
            assert (virtual + timedelta(seconds=pulse)).time() <= LATEST_OFF[device]
            # The auto-off armed with it ends it by the planned end of its session.
            assert within_a_session(timedelta(seconds=pulse), rests), (device, virtual, pulse)
        assert not plug.is_on(math.inf)


def random_days(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis draws ``examples`` days of 3 to 8 steps each for the decorated test."""

    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        drawn = given(steps=st.lists(STEPS, min_size=3, max_size=8))(test)
        return settings(
            max_examples=examples, deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )(drawn)  # fmt: skip

    return decorate


@random_days(EXAMPLES)
def test_no_sequence_of_commands_restarts_and_jumps_leaves_heat_on_or_exceeds_the_budget(
    mosquitto: BrokerAddress,
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[object, ...]],
) -> None:
    tmp = tmp_path_factory.mktemp("day")
    home = Household(tmp, mosquitto)
    plugs = home.plugs.values()
    asyncio.run(
        run_day(home, household(tmp, mosquitto.port), steps,
                lambda: not any(p.is_on(time.monotonic()) for p in plugs))
    )  # fmt: skip
    check(home)
