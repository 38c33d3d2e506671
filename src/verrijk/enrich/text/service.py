"""What a caller may hand the text pipeline to try (POST /enrich, the /web/enrich page): one check, one set of
errors, so the API and the page refuse the same texts with the same status; the pipeline they run, as the
organisation configured its `ner` enricher; and that pipeline run in a process of its own (analyse_elsewhere), so
that a server's enrichment never holds the interpreter lock of the worker answering searches."""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
import socket
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from verrijk.enrich.config import organisation_config
from verrijk.enrich.text.analysis import TextIn
from verrijk.enrich.text.entities import analyser_for, pipeline_version
from verrijk.enrich.text.language import check_code
from verrijk.errors import Invalid, TooLarge, Unavailable, VerrijkError
from verrijk.store.db import make_engine
from verrijk.store.repo import Repo, Scope

if TYPE_CHECKING:
    from verrijk.config import Settings


class EmptyText(Invalid):
    """A text with nothing but white space."""


class TextTooLong(TooLarge):
    """A text over the deployment's limit for a synchronous call (VERRIJK_ENRICH_MAX_CHARS)."""

    def __init__(self, message: str, limit: int):
        super().__init__(message)
        self.limit = limit


def check_text(
    text: str, language: str | None, max_chars: int, *, text_name: str = "the text", language_name: str = "language"
) -> str | None:
    """Refuse an empty or too long text (EmptyText 422, TextTooLong 413) and a language verrijk does not support
    (UnsupportedLanguage 422); return the language code, normalised, or None to detect it. The names say in
    messages where the caller put the text and the language."""
    if not text.strip():
        raise EmptyText(f"{text_name} is empty")
    if len(text) > max_chars:
        raise TextTooLong(f"{text_name} has {len(text):,} characters; the limit is {max_chars:,}", max_chars)
    if language is None:
        return None
    try:
        return check_code(language)
    except Invalid as exc:
        raise type(exc)(f"{language_name}: {exc}") from exc


def organisation_analyser(repo: Repo, settings: Settings, authorities: list[str] | None = None):
    """The text pipeline with the models and authorities the organisation gave its `ner` enricher (the caller's
    authorities instead, when given): what a job would run, tried on one text."""
    params = organisation_config(repo, settings).params_for("ner")
    chosen = params["authorities"] if authorities is None else authorities
    return analyser_for(repo.session, repo.org_id, settings, chosen, params["models"])


# One text's analysis as plain values: (language, its confidence, the entities as dicts); and what made them all.
Analysed = tuple[list[tuple[str, float, list[dict]]], str]


def analyse(repo: Repo, settings: Settings, inputs: list[TextIn], authorities: list[str] | None = None) -> Analysed:
    """The organisation's text pipeline (organisation_analyser) run on the texts."""
    analyser, linker = organisation_analyser(repo, settings, authorities)
    analyses = analyser.analyse(inputs)
    found = [(a.language.language, a.language.confidence, [e.as_dict() for e in a.entities]) for a in analyses]
    return found, pipeline_version(analyser, linker, [a.language.language for a in analyses])


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


def _analyse_here(settings: Settings, scope: Scope, inputs: list[TextIn], authorities: list[str] | None) -> Analysed:
    with Session(_engine(settings.db_url)) as session:
        return analyse(Repo(session, scope), settings, inputs, authorities)


def _framed(value: object) -> bytes:
    """A value as the text process and its worker exchange it: its pickle's length (8 bytes), then the pickle."""
    data = pickle.dumps(value)
    return len(data).to_bytes(8, "big") + data


def _serve(sock: socket.socket) -> None:
    """A text process: calls in, answers out on its socket, until the worker closes it."""
    with sock, sock.makefile("rwb") as stream:
        while header := stream.read(8):
            call = pickle.loads(stream.read(int.from_bytes(header, "big")))  # noqa: S301 - from our own worker
            try:
                answer = (True, _analyse_here(*call))
            except VerrijkError as exc:
                answer = (False, exc)
            except Exception as exc:  # noqa: BLE001 - any other failure reaches the caller as a 500, in words
                answer = (False, RuntimeError(f"the text process failed: {type(exc).__name__}: {exc}"))
            stream.write(_framed(answer))
            stream.flush()


class _TextProcess:
    """One text process (spawned, so that it shares nothing with the worker) and the worker's end of its socket."""

    def __init__(self) -> None:
        mine, theirs = socket.socketpair()
        self.process = multiprocessing.get_context("spawn").Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()
        self.socket = mine
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def call(self, call: tuple) -> Analysed:
        if self.streams is None:
            self.streams = await asyncio.open_connection(sock=self.socket)
        reader, writer = self.streams
        writer.write(_framed(call))
        await writer.drain()
        size = int.from_bytes(await reader.readexactly(8), "big")
        ok, value = pickle.loads(await reader.readexactly(size))  # noqa: S301 - from our own process
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop the process (it only reads: nothing is lost) and close the worker's end."""
        self.process.kill()
        self.process.join(timeout=5)
        if self.streams is not None:
            self.streams[1].close()
        else:
            self.socket.close()


class TextProcesses:
    """`size` processes that run the text pipeline (started on first use; the models load there, once each) with a
    database engine of their own. The worker talks to them on its event loop (a call written to a socket, the answer
    read back), so a call costs the worker no thread and no share of its interpreter lock while the pipeline runs.
    Errors come back as they were raised (verrijk.errors pickle with their message); a process that died is
    replaced, and its caller told to try again."""

    def __init__(self, size: int):
        self.size = size
        self._idle: asyncio.Queue[_TextProcess] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._all: list[_TextProcess] = []

    def _processes(self) -> asyncio.Queue[_TextProcess]:
        loop = asyncio.get_running_loop()
        if self._idle is None or self._loop is not loop:  # streams belong to one event loop (tests start several)
            self.close()
            self._loop, self._idle = loop, asyncio.Queue()
            for _ in range(self.size):
                self._started(_TextProcess())
        return self._idle

    def _started(self, process: _TextProcess) -> None:
        self._all.append(process)
        self._idle.put_nowait(process)

    async def analyse(
        self, settings: Settings, scope: Scope, inputs: list[TextIn], authorities: list[str] | None = None
    ) -> Analysed:
        idle = self._processes()
        process = await idle.get()
        exchange = asyncio.ensure_future(process.call((settings, scope, inputs, authorities)))

        def done(call: asyncio.Future) -> None:  # back to the idle ones only once its answer is read
            failed = not call.cancelled() and isinstance(call.exception(), (OSError, asyncio.IncompleteReadError))
            if failed and idle is self._idle:
                self._all.remove(process)
                process.close()
                self._started(_TextProcess())
            elif idle is self._idle:
                idle.put_nowait(process)

        exchange.add_done_callback(done)
        try:
            return await asyncio.shield(exchange)
        except (OSError, asyncio.IncompleteReadError) as exc:
            raise Unavailable("the text pipeline's process stopped; a new one is starting: try again") from exc

    def close(self) -> None:
        for process in self._all:
            process.close()
        self._all, self._idle = [], None
