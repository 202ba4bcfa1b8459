"""The pages ``planegraf serve`` renders on request: every resource page and its data, the
vocabulary's data, and a page in the site's style for what does not exist.

URL scheme (``docs/publishing.md``, README "Publishing"):

- ``/id/{kind}/{key…}`` (a data IRI): ``303 See Other`` to the file the ``Accept`` header
  prefers — ``.html`` (or ``.en.html`` / ``.sv.html``: the language ``Accept-Language``
  prefers, the site's own otherwise), ``.ttl``, ``.jsonld``, ``.nt`` or ``.rdf`` — with
  ``Vary: Accept, Accept-Language``;
- ``/id/…{.html,.en.html,.ttl,.jsonld,.nt,.rdf}`` (and ``/id/{kind}/index.html`` for an IRI
  that is also a folder): rendered from the dataset by
  :class:`planegraf.publish.site.PageRenderer`, the same templates and code as the static
  site's pages, whether or not the static site holds them;
- ``/def`` and ``/def/{Term}``: negotiated the same way, HTML to the ontology page
  (``def/index.html#Term``), data to ``/def/index.ttl`` (the whole vocabulary) or
  ``/def/{Term}.ttl`` (one term's statements) and the other formats;
- ``/data/planegraf.{ttl,trig,jsonld,nt,nq,rdf}``: the file of the site when it is there,
  else streamed from the dataset (a site above 50 000 quads keeps only the TriG and the
  gzip-compressed N-Quads as files; its description names the other formats here);
- anything that does not exist: ``404`` with a page of the site's base template, in the
  language of the URL (else ``Accept-Language``).

The pages and their data are rendered by :class:`PageWorkers`: processes forked from the
server once the dataset is loaded (sharing it copy-on-write, as the query workers do), so
that pages are rendered on every core while the server process reads and answers requests.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import queue
import signal
import threading
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from planegraf.ids import DATA
from planegraf.namespaces import PREFIXES
from planegraf.publish import lod
from planegraf.publish.serve_app import SiteFiles, negotiate, weighted
from planegraf.publish.serve_forks import close_sockets, die_with
from planegraf.publish.site import (
    DATA_SUFFIXES,
    LANGUAGES,
    ONTOLOGY_NS,
    PageRenderer,
    StoreIndex,
    page_name,
    resource_data,
    resource_path,
)
from planegraf.rdf.store import EmbeddedStore
from planegraf.resources import ontology_dir

VARY = "Accept, Accept-Language"
_VOCABULARY_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".jsonld": ox.RdfFormat.JSON_LD,
                       ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML}


def preferred_language(accept_language: str | None, default: str) -> str:
    """The site language ``Accept-Language`` prefers; ``default`` when it names neither.

    >>> preferred_language("en-GB,en;q=0.9,sv;q=0.8", "sv")
    'en'
    >>> preferred_language("de, sv;q=0.5, en;q=0.4", "en")
    'sv'
    >>> preferred_language("fr", "sv")
    'sv'
    """
    best, best_q = default, 0.0
    for tag, q in weighted(accept_language or "", unreadable_q=0.0):
        primary = tag.lower().split("-", 1)[0]
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


class Vocabulary:
    """The ontology (``ontology/*.ttl``, what ``def/index.html`` documents) as data."""

    def __init__(self) -> None:
        self.store = ox.Store()
        for path in sorted(ontology_dir().glob("*.ttl")):
            self.store.load(path=str(path), format=ox.RdfFormat.TURTLE)

    def has(self, term: str) -> bool:
        return StoreIndex(self.store, ONTOLOGY_NS + "#" + term).has_statements(
            ONTOLOGY_NS + "#" + term)

    def data(self, name: str, suffix: str) -> bytes | None:
        """The whole vocabulary (``name`` ``index``) or one term's statements."""
        if name == "index":
            triples = sorted({q.triple for q in self.store}, key=str)
            return ox.serialize(triples, format=_VOCABULARY_FORMATS[suffix],
                                prefixes=PREFIXES) or b""
        iri = ONTOLOGY_NS + "#" + name
        index = StoreIndex(self.store, iri)
        if iri not in index.outgoing:
            return None
        return resource_data(iri, index.outgoing[iri], suffix)


def _data_response(body: bytes, suffix: str) -> Response:
    media = DATA_SUFFIXES[suffix]
    charset = "" if suffix == ".rdf" else "; charset=utf-8"
    return Response(body, 200, media_type=media + charset)


def _see_other(target: str) -> Response:
    return RedirectResponse(urllib.parse.quote(target, safe="/#"), status_code=303,
                            headers={"Vary": VARY})


#: Page workers by default: none, the server process renders the pages. Measured at a
#: million quads on this project's 2-core machine shared with other work (load 8-11), 8
#: clients asking pages: one process 61-115 pages/s, two workers beside it 40-74 pages/s and
#: more CPU per page (10.3 ms against 13 ms, the pickling and the hops between processes,
#: each a wait for the scheduler on a busy machine). Workers can only help where cores are
#: idle: ``--page-workers N`` there (README, serve at national scale).
DEFAULT_PAGE_WORKERS = 0


def default_page_workers() -> int:
    """Processes rendering pages by default (:data:`DEFAULT_PAGE_WORKERS`)."""
    return DEFAULT_PAGE_WORKERS


class PageWorkers:
    """Resource pages and their data rendered by forked processes, each with the
    :class:`PageRenderer` (and the loaded store) of the server, shared copy-on-write.

    Why: the server is one Python process, and a page is Python work (the lookups of what
    it names, the template), so one process renders one page at a time whatever the cores;
    at a million quads 8 clients asking pages kept it saturated at about 55 pages/s. Why
    not several uvicorn processes: the store would be loaded once per process (or forked
    with the query admission split between them); here one server admits and answers every
    request, and only the rendering is spread. Each worker keeps its own
    :class:`PageRenderer` lookups and pages (bounded, :data:`planegraf.publish.site.KEPT_NAMES`,
    :data:`planegraf.publish.site.KEPT_PAGE_BYTES`).

    Used with ``planegraf serve --page-workers N`` (:data:`DEFAULT_PAGE_WORKERS` says why
    not by default). The workers are forked when :meth:`start` is called, before the server
    runs any thread of its own. A worker that dies is not replaced (forking a threaded server is
    what the query workers must be careful about; a page renderer has no reason to be):
    its requests are rendered in the server process, as they are with no workers at all.
    """

    def __init__(self, renderer: PageRenderer) -> None:
        self.renderer = renderer
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._alive = 0
        self._counting = threading.Lock()  # request threads lose workers concurrently
        self.processes: list[multiprocessing.process.BaseProcess] = []

    def start(self, count: int) -> None:
        """Fork ``count`` workers (none where fork is missing)."""
        if count < 1 or "fork" not in multiprocessing.get_all_start_methods():
            return
        self._warm_up()
        context = multiprocessing.get_context("fork")
        gc.collect()
        # What the workers inherit stays out of their garbage collector: collecting would
        # touch, and so copy, every page of the server's heap. It stays frozen in the server
        # too (see ServedPages), until it stops.
        gc.freeze()
        for _ in range(count):
            requests_out, requests_in = context.Pipe(duplex=False)
            answers_out, answers_in = context.Pipe(duplex=False)
            process = context.Process(
                target=_render_loop, args=(self.renderer, requests_out, answers_in,
                                           os.getpid()),
                name="planegraf-pages", daemon=True)
            process.start()
            requests_out.close()
            answers_in.close()
            self.processes.append(process)
            self._idle.put(_Worker(requests_in, answers_out))
            self._alive += 1

    def _warm_up(self) -> None:
        """Render one page here first: templates compiled and text catalogues read before
        the fork, so no worker imports or compiles (no lock of this process is needed)."""
        self.renderer.not_found("index.html", self.renderer.default_lang, "/")
        for quad in self.renderer.store.quads_for_pattern(None, None, None, None):
            if isinstance(quad.subject, ox.NamedNode):
                path = resource_path(quad.subject.value)
                if path is not None:
                    self.renderer.page(quad.subject.value, path, self.renderer.default_lang)
                    break

    def page(self, iri: str, file_stem: str, lang: str) -> str | None:
        found = self._call("page", iri, file_stem, lang)
        assert found is None or isinstance(found, str)
        return found

    def data(self, iri: str, suffix: str) -> bytes | None:
        found = self._call("data", iri, suffix)
        assert found is None or isinstance(found, bytes)
        return found

    def _call(self, method: str, *args: str) -> object:
        """``method`` of the renderer in an idle worker (waiting for one while all are
        busy), else here."""
        worker = None
        while self._alive > 0:
            try:
                worker = self._idle.get(timeout=1)
                break
            except queue.Empty:
                continue
        if worker is None:
            return getattr(self.renderer, method)(*args)
        try:
            worker.requests.send((method, args))
            kind, value = worker.answers.recv()
        except (EOFError, OSError):  # the worker is gone (killed): not given back
            with self._counting:
                self._alive -= 1
            return getattr(self.renderer, method)(*args)
        self._idle.put(worker)
        if kind == "error":
            raise RuntimeError(f"a page worker failed: {value}")
        return value

    def stop(self) -> None:
        """End the workers (those still running) and wait for them."""
        self._alive = 0
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)


class _Worker:
    def __init__(self, requests: Any, answers: Any) -> None:
        self.requests, self.answers = requests, answers


def _render_loop(renderer: PageRenderer, requests: Any, answers: Any, parent: int) -> None:
    """A page worker: render what the server asks until it goes."""
    die_with(parent)
    # Ctrl-C reaches the whole process group: the server stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    close_sockets()  # the listening socket and clients' connections are the server's
    while True:
        try:
            method, args = requests.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[str, object] = ("ok", getattr(renderer, method)(*args))
        except Exception as err:  # noqa: BLE001 (reported to the server, which raises)
            answer = ("error", f"{type(err).__name__}: {err}")
        answers.send(answer)


class ServedPages:
    """The routes and the 404 page of the pages rendered on request."""

    def __init__(self, renderer: PageRenderer, site_dir: Path) -> None:
        self.renderer = renderer
        self.workers = PageWorkers(renderer)
        self.default_lang = renderer.default_lang
        self.vocabulary = Vocabulary()
        self.static = SiteFiles(directory=site_dir, html=True, follow_symlink=False)
        self.site_dir = site_dir
        self.dataset = EmbeddedStore()
        self.dataset.oxigraph = renderer.store
        renderer.warm_up()
        # Before the server runs a thread or forks a worker: the tables are then read-only.
        renderer.read_tables()
        # What is alive now (the tables: 175 000 objects at a million quads) lives as long as
        # the server and holds no garbage: out of the collector, whose every full pass
        # would otherwise walk it (12 -> 52 ms at a million quads, each a pause of every
        # request). The server unfreezes when it stops (planegraf.publish.serve).
        gc.collect()
        gc.freeze()

    def routes(self) -> list[BaseRoute]:
        return [Route("/data/{name}", self.download, methods=["GET", "HEAD"]),
                Route("/id/{rest:path}", self.resource, methods=["GET", "HEAD"]),
                Route("/def", self.vocabulary_iri, methods=["GET", "HEAD"]),
                Route("/def/{rest:path}", self.vocabulary_file, methods=["GET", "HEAD"])]

    # -- languages and files ----------------------------------------------------------------

    def _file_language(self, name: str) -> tuple[str, str] | None:
        """``(stem, lang)`` of a page file name as the site names them, else None."""
        for lang in LANGUAGES:
            if lang != self.default_lang and name.endswith(f".{lang}.html"):
                return name.removesuffix(f".{lang}.html"), lang
        if name.endswith(".html"):
            return name.removesuffix(".html"), self.default_lang
        return None

    def _html_target(self, stem: str, request: Request) -> str:
        lang = preferred_language(request.headers.get("accept-language"), self.default_lang)
        return "/" + page_name(stem, lang, self.default_lang)

    # -- /id/… ------------------------------------------------------------------------------

    def resource(self, request: Request) -> Response:
        relative = request.scope["path"].lstrip("/").rstrip("/")
        for suffix in DATA_SUFFIXES:
            if relative.endswith(suffix):
                iri = _iri(relative.removesuffix(suffix))
                body = self.workers.data(iri, suffix) if iri else None
                if body is None:
                    break
                return _data_response(body, suffix)
        else:
            named = self._file_language(relative)
            if named is not None:
                stem, lang = named
                for iri in (_iri(stem), _iri(stem.removesuffix("/index"))
                            if stem.endswith("/index") else None):
                    html = self.workers.page(iri, stem, lang) if iri else None
                    if html is not None:
                        return HTMLResponse(html)
            else:
                iri = _iri(relative)
                if iri and self.renderer.exists(iri):
                    suffix = negotiate("", request.headers.get("accept"))
                    if suffix == ".html":
                        return _see_other(self._html_target(relative, request))
                    return _see_other(f"/{relative}{suffix}")
        return self.not_found(request)

    # -- /data/… ----------------------------------------------------------------------------

    async def download(self, request: Request) -> Response:
        """A download: the site's file, else the format streamed from the dataset."""
        name = request.path_params["name"]
        if (self.site_dir / lod.DATA_FOLDER / name).is_file():
            return await self.static.get_response(f"{lod.DATA_FOLDER}/{name}", request.scope)
        target = next((s for s in lod.SERIALISATIONS.values() if s.file_name == name), None)
        if target is None:
            return self.not_found(request)
        media = target.media_type + ("" if target.key == "rdfxml" else "; charset=utf-8")
        if request.method == "HEAD":
            return Response(b"", 200, media_type=media)
        return StreamingResponse(_streamed(self.dataset, target.key), 200, media_type=media)

    # -- /def -------------------------------------------------------------------------------

    def vocabulary_iri(self, request: Request) -> Response:
        suffix = negotiate("", request.headers.get("accept"))
        if suffix == ".html":
            return _see_other(self._html_target("def/index", request))
        return _see_other(f"/def/index{suffix}")

    async def vocabulary_file(self, request: Request) -> Response:
        name = request.path_params["rest"].rstrip("/")
        if not name or name == "index":
            return self.vocabulary_iri(request)
        for suffix in DATA_SUFFIXES:
            if name.endswith(suffix) and "/" not in name:
                body = self.vocabulary.data(name.removesuffix(suffix), suffix)
                if body is None:
                    return self.not_found(request)
                return _data_response(body, suffix)
        if "." not in name and "/" not in name:
            if not self.vocabulary.has(name):
                return self.not_found(request)
            suffix = negotiate("", request.headers.get("accept"))
            if suffix == ".html":
                return _see_other(self._html_target("def/index", request) + "#" + name)
            return _see_other(f"/def/{name}{suffix}")
        return await self.static.get_response(f"def/{name}", request.scope)

    # -- 404 --------------------------------------------------------------------------------

    def not_found(self, request: Request) -> Response:
        """A page in the site's style saying nothing is here, in the URL's language (else
        the one ``Accept-Language`` prefers), with status 404."""
        path = request.scope["path"]
        file = path.lstrip("/")
        if not file or file.endswith("/"):
            file += "index.html"
        named = self._file_language(file)
        if named is not None:
            lang = named[1]
            headers = {}
        else:
            lang = preferred_language(request.headers.get("accept-language"),
                                      self.default_lang)
            headers = {"Vary": VARY}
        html = self.renderer.not_found(file, lang, path)
        return HTMLResponse(html, 404, headers=headers)

    def exception_handlers(self) -> dict[int, Callable[[Request, Exception],
                                                       Awaitable[Response]]]:
        """The 404 of every route and of the static files, as :meth:`not_found`."""

        async def handler(request: Request, exc: Exception) -> Response:
            if isinstance(exc, HTTPException) and exc.status_code != 404:
                return Response(exc.detail, exc.status_code, headers=exc.headers)
            return self.not_found(request)

        return {404: handler}


def _iri(relative: str) -> str | None:
    """The data IRI of a site path without extension (``id/…``), if it is one."""
    if not relative.startswith("id/"):
        return None
    iri = DATA + relative[len("id/"):]
    return iri if resource_path(iri) == relative else None


class _Pipe(io.RawIOBase):
    """The writing end of a bounded queue of chunks, for Oxigraph to dump into; raises once
    the reading end has gone (the client left), which ends the dump."""

    def __init__(self, chunks: queue.Queue[bytes | BaseException | None]) -> None:
        super().__init__()
        self.chunks, self.gone = chunks, threading.Event()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        piece = bytes(data)
        while not self.gone.is_set():
            try:
                self.chunks.put(piece, timeout=0.5)
                return len(piece)
            except queue.Full:
                continue
        raise BrokenPipeError("the client stopped reading")


def _streamed(dataset: EmbeddedStore, key: str) -> Iterator[bytes]:
    """The dataset in one serialisation, as chunks, written by a thread of its own (at most
    16 MiB ahead of the client) so that no copy of a national dataset is held whole."""
    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=16)
    pipe = _Pipe(chunks)

    def produce() -> None:
        try:
            with io.BufferedWriter(pipe, buffer_size=1 << 20) as buffered:
                lod.write_serialisation(dataset, key, buffered)
        except BrokenPipeError:
            return
        except BaseException as err:  # handed to the reader, which raises it
            chunks.put(err)
            return
        chunks.put(None)

    thread = threading.Thread(target=produce, name=f"planegraf-download-{key}", daemon=True)
    thread.start()
    try:
        while (chunk := chunks.get()) is not None:
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk
    finally:
        pipe.gone.set()
