"""Linked open data: the dataset in every RDF serialisation, compact JSON-LD with the published
context, and the DCAT-AP 3 / DCAT-AP-SE + VoID description with its conformance check.
"""

from __future__ import annotations

import gzip
import io
import json
import tempfile
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyoxigraph as ox
from isal import igzip
from rdflib import RDF, SH, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS, VOID

from planegraf import i18n
from planegraf.errors import PlanegrafError
from planegraf.i18n import Language, Message
from planegraf.ids import DATA as DATA_NAMESPACE
from planegraf.ids import slugify
from planegraf.namespaces import PREFIXES
from planegraf.rdf import atomic
from planegraf.rdf.store import EmbeddedStore
from planegraf.resources import ontology_dir, shared_dir
from planegraf.sparql.queries import parse_query_file

if TYPE_CHECKING:
    from planegraf.project import Project

DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FILE_TYPE_SCHEME = URIRef("http://publications.europa.eu/resource/authority/file-type")
FILE_TYPE = Namespace(FILE_TYPE_SCHEME + "/")
IANA = "https://www.iana.org/assignments/media-types/"
DATASET = URIRef("https://w3id.org/planegraf/id/dataset/planegraf")
CATALOG = URIRef("https://w3id.org/planegraf/id/catalog")
LICENCE = URIRef("http://creativecommons.org/licenses/by/4.0/")
STABLE = URIRef("http://publications.europa.eu/resource/authority/planned-availability/STABLE")
# Where the published files live. w3id.org/planegraf/ redirects to the real host, so the
# description never has to change when the host does (see docs/publishing.md).
DEFAULT_BASE_URL = "https://w3id.org/planegraf/"
DATA_FOLDER = "data"
EXPORT_STEM = "planegraf"
#: The compression of the line format's download at national scale (``planegraf.nq.gz``).
GZIP = URIRef(IANA + "application/gzip")
GZIP_SUFFIX = ".gz"
#: ISA-L's level 1 (``isal.igzip``, a gzip file like any other): at a million synthetic
#: quads it packs the 264 MB of N-Quads into 13.0 MB with 0.28 s of CPU, where zlib's level 1
#: took 1.01 s for 13.1 MB and level 6 about three times that for 8 MB: the build's time is
#: the scarcer (docs/publishing.md "Downloads").
GZIP_LEVEL = 1
#: The downloads a site writes above the size at which it stops writing every format: the
#: dataset as built (TriG, every named graph) and the line format, gzip-compressed. The
#: other formats are described all the same and answered by ``planegraf serve``.
AT_SCALE_DOWNLOADS: dict[str, str] = {"trig": EXPORT_STEM + ".trig",
                                      "nq": EXPORT_STEM + ".nq" + GZIP_SUFFIX}

DESCRIPTION_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "dcatap": str(DCATAP),
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "adms": "http://www.w3.org/ns/adms#",
}


@dataclass(frozen=True)
class Serialisation:
    """One RDF syntax the dataset is published in."""

    key: str
    suffix: str
    media_type: str
    file_type: str  # code in the EU file-type vocabulary
    rdf_format: ox.RdfFormat
    name: str

    @property
    def keeps_named_graphs(self) -> bool:
        return bool(self.rdf_format.supports_datasets)

    @property
    def file_name(self) -> str:
        return EXPORT_STEM + self.suffix


SERIALISATIONS: dict[str, Serialisation] = {
    s.key: s for s in (
        Serialisation("ttl", ".ttl", "text/turtle", "RDF_TURTLE", ox.RdfFormat.TURTLE, "Turtle"),
        Serialisation("trig", ".trig", "application/trig", "RDF_TRIG", ox.RdfFormat.TRIG, "TriG"),
        Serialisation("jsonld", ".jsonld", "application/ld+json", "JSON_LD",
                      ox.RdfFormat.JSON_LD, "JSON-LD"),
        Serialisation("nt", ".nt", "application/n-triples", "RDF_N_TRIPLES",
                      ox.RdfFormat.N_TRIPLES, "N-Triples"),
        Serialisation("nq", ".nq", "application/n-quads", "RDF_N_QUADS",
                      ox.RdfFormat.N_QUADS, "N-Quads"),
        Serialisation("rdfxml", ".rdf", "application/rdf+xml", "RDF_XML",
                      ox.RdfFormat.RDF_XML, "RDF/XML"),
    )
}


def serialisation(key: str) -> Serialisation:
    """The serialisation of a ``--format`` key.

    >>> serialisation("rdfxml").media_type
    'application/rdf+xml'
    """
    try:
        return SERIALISATIONS[key]
    except KeyError:
        raise PlanegrafError(Message("error_format_use_one_of", format=repr(key),
                                     known=", ".join(SERIALISATIONS))) from None


@cache
def jsonld_context() -> dict[str, Any]:
    """The published JSON-LD context (``ontology/context.jsonld``), as its ``@context`` object."""
    document = json.loads((ontology_dir() / "context.jsonld").read_text(encoding="utf-8"))
    context: dict[str, Any] = document["@context"]
    return context


def serialise(store: EmbeddedStore, key: str) -> bytes:
    """The whole dataset in one serialisation, in memory (see :func:`write_serialisation`,
    which streams it to a file instead).

    Triple-only syntaxes (Turtle, N-Triples, RDF/XML) hold the union of the named graphs;
    TriG, N-Quads and JSON-LD keep every graph's name.

    >>> from planegraf.pipeline import open_store
    >>> serialise(open_store(), "nq").count(b"\\n") > 1000
    True
    """
    buffer = io.BytesIO()
    write_serialisation(store, key, buffer)
    return buffer.getvalue()


def write_serialisation(store: EmbeddedStore, key: str, output: BinaryIO) -> None:
    """Stream the whole dataset in one serialisation into ``output``.

    Oxigraph writes every syntax but JSON-LD itself, graph by graph, so no copy of the
    dataset is made: the union of the graphs (for the triple-only syntaxes) is the graphs
    one after another, which is exact when no triple is stated in two graphs (the VoID
    count of distinct triples, needed for the description anyway, says so). Otherwise the
    union is built in a store of its own, as exact and slower.
    """
    target = serialisation(key)
    if target.key == "jsonld":
        write_dataset_jsonld(store, output)
        return
    prefixes = _prefixes(target)
    if target.keeps_named_graphs:
        store.oxigraph.dump(output, format=target.rdf_format, prefixes=prefixes)
        return
    if dataset_statistics(store).triples == len(store):
        _write_graphs_one_after_another(store, target, output, prefixes)
        return
    union = ox.Store()
    union.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                 for q in store.oxigraph)
    union.dump(output, format=target.rdf_format, from_graph=ox.DefaultGraph(),
               prefixes=prefixes)


def _prefixes(target: Serialisation) -> dict[str, str] | None:
    # The syntaxes that abbreviate IRIs get the dataset's prefixes; the line formats none.
    return PREFIXES if target.key in ("ttl", "trig", "rdfxml") else None


def _graphs(store: EmbeddedStore) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
    """The default graph, then the named graphs by name."""
    named = sorted(store.oxigraph.named_graphs(), key=lambda g: (type(g).__name__, g.value))
    return [ox.DefaultGraph(), *named]


_XML_END = b"</rdf:RDF>"


def _write_graphs_one_after_another(
    store: EmbeddedStore, target: Serialisation, output: BinaryIO,
    prefixes: dict[str, str] | None,
) -> None:
    """The triples of every graph, each graph dumped by Oxigraph, joined into one document:
    Turtle's prefixes declared once at the top, RDF/XML's one ``rdf:RDF`` element around
    all graphs (Oxigraph opens it with every prefix given, so each graph's opening is the
    same)."""
    if target.key == "ttl" and prefixes:
        output.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items())
                     .encode("utf-8"))
    opening: bytes | None = None
    for graph in _graphs(store):
        chunk = store.oxigraph.dump(format=target.rdf_format, from_graph=graph,
                                    prefixes=prefixes) or b""
        if target.key == "ttl":
            while chunk.startswith(b"@prefix "):
                chunk = chunk[chunk.index(b"\n") + 1:]
        elif target.key == "rdfxml":
            start = chunk.index(b">", chunk.index(b"<rdf:RDF")) + 1
            head, body = chunk[:start], chunk[start:].rstrip()
            if not body.endswith(_XML_END):
                raise AssertionError("Oxigraph's RDF/XML did not end with </rdf:RDF>")
            body = body[:-len(_XML_END)]
            if opening is None:
                opening = head
                output.write(head)
            elif head != opening:
                raise AssertionError("Oxigraph opened two graphs' RDF/XML differently")
            chunk = body
        output.write(chunk)
    if target.key == "rdfxml":
        if opening is None:  # an empty dataset
            output.write(ox.Store().dump(format=target.rdf_format, from_graph=ox.DefaultGraph(),
                                         prefixes=prefixes) or b"")
        else:
            output.write(b"\n" + _XML_END + b"\n")


def compact_jsonld(data: Graph | Dataset, context: Mapping[str, Any] | None = None) -> bytes:
    """Compact JSON-LD with the context object embedded (never a URL a reader would fetch),
    nodes sorted by ``@id`` so the file diffs well.
    """
    ctx = dict(context if context is not None else jsonld_context())
    text = data.serialize(format="json-ld", context=ctx, auto_compact=True)
    document = json.loads(text)
    if isinstance(document, dict) and isinstance(document.get("@graph"), list):
        document["@graph"] = _sorted_nodes(document["@graph"])
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _sorted_nodes(nodes: list[Any]) -> list[Any]:
    for node in nodes:
        if isinstance(node, dict) and isinstance(node.get("@graph"), list):
            node["@graph"] = _sorted_nodes(node["@graph"])
    return sorted(nodes, key=lambda n: str(n.get("@id", "")) if isinstance(n, dict) else "")


def export(store: EmbeddedStore, key: str, path: Path) -> Path:
    """Write the dataset in one serialisation to ``path`` (atomically, streamed)."""
    with atomic.writing(path) as output:
        write_serialisation(store, key, output)
    return path


def export_compressed(store: EmbeddedStore, key: str, path: Path,
                      level: int = GZIP_LEVEL) -> Path:
    """Write the dataset in one serialisation to ``path``, gzip-compressed (atomically,
    streamed). The gzip header holds no time and the plain file's name, so the same dataset
    gives the same bytes at every build on the same machine (ISA-L chooses its code by the
    processor, so another machine's file may differ in bytes, never in what it unpacks to)."""
    target = serialisation(key)
    with atomic.writing(path) as output, _gzip_writer(output, target.file_name, level
                                                       ) as packed:
        if target.keeps_named_graphs and target.key != "jsonld":
            # Oxigraph dumps into a file of its own without Python's lock, read back in large
            # pieces that zlib compresses outside the lock too. Dumped through a Python file
            # object, each of its small writes needed the lock, so beside the site's pages
            # the dump waited for them (18 s instead of 3 at a million quads).
            with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as tmp:
                plain = Path(tmp) / target.file_name
                store.oxigraph.dump(str(plain), format=target.rdf_format,
                                    prefixes=_prefixes(target))
                with plain.open("rb") as source:
                    while piece := source.read(_COMPRESSED_PIECE):
                        packed.write(piece)
        else:
            # Oxigraph writes in small pieces; one buffer in front of the compressor keeps
            # the calls into zlib few.
            with io.BufferedWriter(packed, buffer_size=1 << 20) as buffered:
                write_serialisation(store, key, buffered)
    return path


_COMPRESSED_PIECE = 16 << 20


def _gzip_writer(output: BinaryIO, file_name: str, level: int) -> gzip.GzipFile:
    # ISA-L's GzipFile: the same gzip format (and interface) as the standard library's, in
    # about a quarter of the CPU. Its package declares no types, hence the annotation here.
    opened: gzip.GzipFile = igzip.IGzipFile(  # type: ignore[no-untyped-call]
        filename=file_name, mode="wb", fileobj=output, compresslevel=level, mtime=0)
    return opened


def download_files(every_format: bool = True) -> dict[str, str]:
    """The downloads a site writes into ``data/``, file name by format key: every
    serialisation, or (``every_format`` False, at national scale) :data:`AT_SCALE_DOWNLOADS`.

    >>> download_files(False)
    {'trig': 'planegraf.trig', 'nq': 'planegraf.nq.gz'}
    """
    if every_format:
        return {key: s.file_name for key, s in SERIALISATIONS.items()}
    return dict(AT_SCALE_DOWNLOADS)


def write_exports(store: EmbeddedStore, folder: Path, *, every_format: bool = True,
                  dataset_file: Path | None = None,
                  dataset_written: Callable[[], object] | None = None) -> dict[str, Path]:
    """Write the downloads (:func:`download_files`) into ``folder``; return them by key.

    ``dataset_file`` is a TriG of the same store already written (``out/planegraf.trig``):
    the TriG download is then the same file (a hard link, else a copy), never a second dump.
    When that file is being written elsewhere, ``dataset_written`` waits until it is whole:
    the other downloads are written first.
    """
    names = download_files(every_format)
    shared = "trig" if dataset_file is not None else None
    written = {}
    for key in sorted(names, key=lambda key: key == shared):  # the shared file last
        path = folder / names[key]
        if key == shared:
            assert dataset_file is not None
            if dataset_written is not None:
                dataset_written()
            atomic.link_or_copy(dataset_file, path)
        elif path.name.endswith(GZIP_SUFFIX):
            export_compressed(store, key, path)
        else:
            export(store, key, path)
        written[key] = path
    return {key: written[key] for key in names}


def write_context(folder: Path) -> Path:
    """Copy the published JSON-LD context beside the exports, as ``context.jsonld``."""
    path = folder / "context.jsonld"
    atomic.write_bytes(path, (ontology_dir() / "context.jsonld").read_bytes())
    return path


# ---------------------------------------------------------------------------------------
# DCAT-AP + VoID
# ---------------------------------------------------------------------------------------


def normalise_base_url(base_url: str) -> str:
    """The base URL of the published site, ending in ``/``.

    >>> normalise_base_url("https://data.example.se/planegraf")
    'https://data.example.se/planegraf/'
    """
    if not base_url.startswith(("http://", "https://")):
        raise PlanegrafError(Message("error_base_url", url=repr(base_url)))
    return base_url if base_url.endswith("/") else base_url + "/"


@dataclass(frozen=True)
class Statistics:
    """VoID counts and the years the plans cover."""

    triples: int
    entities: int
    classes: int
    properties: int
    distinct_subjects: int
    distinct_objects: int
    first_year: int | None
    last_year: int | None


# The counts of a store, computed once: the exports and the description both need them, and
# counting distinct triples is a pass over the whole dataset. A store is not changed once
# built; the number of quads guards against one that was.
_STATISTICS: weakref.WeakKeyDictionary[EmbeddedStore, tuple[int, Statistics]] = (
    weakref.WeakKeyDictionary())


def dataset_statistics(store: EmbeddedStore) -> Statistics:
    """Count what the dataset holds (``ontology/dcat/statistics*.rq``)."""
    cached = _STATISTICS.get(store)
    if cached is not None and cached[0] == len(store):
        return cached[1]
    quads, statistics = _count(store)
    _STATISTICS[store] = (quads, statistics)
    return statistics


def _count(store: EmbeddedStore) -> tuple[int, Statistics]:
    """The VoID counts in two passes over the statements, where counting the distinct
    triples alone was one more (hashing every triple: at a million quads, half of the
    counting): it is needed only when a triple can be in two graphs, that is when a
    subject is, and so are the distinct entities. Returns the number of quads counted with
    them."""
    folder = ontology_dir() / "dcat"
    row = next(store.select(parse_query_file(folder / "statistics.rq").text))
    subjects = store.oxigraph.query(parse_query_file(folder / "statistics-subjects.rq").text,
                                    use_default_graph_as_union=False)
    assert isinstance(subjects, ox.QuerySolutions)
    per_subject = next(iter(subjects))

    def number(solution: ox.QuerySolution, name: str) -> int | None:
        term = solution[name]
        return int(term.value) if term is not None else None

    quads = number(row, "quads") or 0
    distinct_subjects = number(per_subject, "distinctSubjects") or 0
    triples = quads
    # The entities once per graph they are in: as many as the entities when no subject is
    # in two graphs (each subject's one graph), else counted once each by a query of their own.
    entities = number(per_subject, "entityGraphs") or 0
    if (number(per_subject, "subjectGraphs") or 0) != distinct_subjects:
        counted = next(store.select(parse_query_file(folder / "statistics-triples.rq").text))
        triples = number(counted, "triples") or 0
        distinct = next(store.select(parse_query_file(folder / "statistics-entities.rq").text))
        entities = number(distinct, "entities") or 0
    return quads, Statistics(
        triples=triples, entities=entities,
        classes=number(row, "classes") or 0, properties=number(row, "properties") or 0,
        distinct_subjects=distinct_subjects,
        distinct_objects=number(row, "distinctObjects") or 0,
        first_year=number(row, "firstYear"), last_year=number(row, "lastYear"),
    )


@dataclass(frozen=True)
class DatasetInfo:
    """What a project says about its dataset (``planegraf.toml``), for the DCAT description."""

    title_sv: str
    title_en: str
    description_sv: str
    description_en: str
    publisher_iri: str
    publisher_name: str
    contact_iri: str
    contact_name: str
    contact_email: str
    licence: str
    issued: str | None
    modified: str
    places: tuple[tuple[str, str], ...]  # (place IRI, Swedish name) of the counties covered
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def of(cls, project: Project) -> DatasetInfo:
        """The description of ``project`` (the bundled demonstration's from its own file)."""
        from planegraf.counties import counties

        config = project.config
        by_code = {c.code: c for c in counties()}
        named = [by_code[code] for code in config.counties if code in by_code]
        where = ", ".join(c.name for c in named) or config.publisher
        return cls(
            title_sv=config.title_sv, title_en=config.title_en,
            description_sv=config.description_sv or (
                f"{config.title_sv}: strategier, handlingsplaner, mål, handlingsområden, "
                f"aktiviteter och vilka organisationer som samordnar och samverkar i {where}, "
                "som länkade data med spårbarhet till källdokumenten."),
            description_en=config.description_en or (
                f"{config.title_en}: strategies, action plans, goals, action areas, activities "
                f"and which organisations coordinate and take part in {where}, as linked data "
                "traceable to the source documents."),
            publisher_iri=(config.publisher_iri
                           or f"{DATA_NAMESPACE}org/{slugify(config.publisher)}"),
            publisher_name=config.publisher,
            contact_iri=f"{DATA_NAMESPACE}contact/{config.key}",
            contact_name=config.contact_name or config.publisher,
            contact_email=config.contact_email,
            licence=config.licence, issued=config.issued, modified=project.modified(),
            places=tuple((c.place, c.name) for c in named), base_url=config.base_url,
        )


def _add_project(graph: Graph, about: DatasetInfo, base: str) -> None:
    """The project's part of the description: title, description, publisher, contact point,
    licence, issued and modified, and the counties as spatial coverage."""
    graph.add((DATASET, DCTERMS.title, Literal(about.title_sv, lang="sv")))
    graph.add((DATASET, DCTERMS.title, Literal(about.title_en, lang="en")))
    graph.add((DATASET, DCTERMS.description, Literal(about.description_sv, lang="sv")))
    graph.add((DATASET, DCTERMS.description, Literal(about.description_en, lang="en")))
    publisher = URIRef(about.publisher_iri)
    for subject in (DATASET, CATALOG):
        graph.add((subject, DCTERMS.publisher, publisher))
    graph.add((DATASET, DCTERMS.creator, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(about.publisher_name, lang="sv")))
    graph.add((publisher, DCTERMS.type, URIRef("http://purl.org/adms/publishertype/RegionalAuthority")))
    contact = URIRef(about.contact_iri)
    graph.add((DATASET, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, VCARD.fn, Literal(about.contact_name, lang="sv")))
    if about.contact_email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{about.contact_email}")))
    else:
        graph.add((contact, VCARD.hasURL, URIRef(base)))
    licence = URIRef(about.licence)
    for subject in (DATASET, CATALOG):
        graph.add((subject, DCTERMS.license, licence))
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    if about.issued:
        graph.add((DATASET, DCTERMS.issued, Literal(about.issued, datatype=XSD.date)))
    graph.add((DATASET, DCTERMS.modified, Literal(about.modified, datatype=XSD.date)))
    for place, name in about.places:
        graph.add((DATASET, DCTERMS.spatial, URIRef(place)))
        graph.add((URIRef(place), RDF.type, DCTERMS.Location))
        graph.add((URIRef(place), SKOS.prefLabel, Literal(name, lang="sv")))


def describe_dataset(
    store: EmbeddedStore, base_url: str | None = None, *,
    byte_sizes: Mapping[str, int] | None = None, sparql_endpoint: str | None = None,
    about: DatasetInfo | None = None, downloads: Mapping[str, str] | None = None,
    statistics: Statistics | None = None,
) -> Graph:
    """The DCAT-AP description of the dataset: the fixed parts of ``ontology/dcat/*.ttl``
    (relative IRIs resolved against ``base_url``), the project's part (``about``: the bundled
    demonstration's when not given) plus temporal coverage, VoID counts and a distribution
    per serialisation.

    ``downloads`` names the files written into ``data/`` by format key (default: every
    format, :func:`download_files`); a ``.gz`` one is described with its
    ``dcat:compressFormat``, and a format without a file is described by the address at
    which ``planegraf serve`` answers it (``dcat:accessURL``, no ``dcat:downloadURL``).
    No blank nodes. ``statistics``: the store's counts when the caller has them already
    (:func:`dataset_statistics`).
    """
    if about is None:
        from planegraf.project import Project

        about = DatasetInfo.of(Project.demonstration())
    base = normalise_base_url(base_url or about.base_url)
    graph = Graph()
    for path in sorted((ontology_dir() / "dcat").glob("*.ttl")):
        graph.parse(path, format="turtle", publicID=base)
    for prefix, namespace in DESCRIPTION_PREFIXES.items():
        graph.bind(prefix, namespace)
    _add_project(graph, about, base)
    stats = statistics or dataset_statistics(store)
    for prop, value in (
        (VOID.triples, stats.triples), (VOID.entities, stats.entities),
        (VOID.classes, stats.classes), (VOID.properties, stats.properties),
        (VOID.distinctSubjects, stats.distinct_subjects),
        (VOID.distinctObjects, stats.distinct_objects),
    ):
        graph.add((DATASET, prop, Literal(value, datatype=XSD.integer)))
    if stats.first_year is not None and stats.last_year is not None:
        period = URIRef(f"https://w3id.org/planegraf/id/period/{stats.first_year}-{stats.last_year}")
        graph.add((DATASET, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, DCAT.startDate, Literal(f"{stats.first_year}-01-01", datatype=XSD.date)))
        graph.add((period, DCAT.endDate, Literal(f"{stats.last_year}-12-31", datatype=XSD.date)))
    files = download_files() if downloads is None else downloads
    for target in SERIALISATIONS.values():
        _add_distribution(graph, base, target, (byte_sizes or {}).get(target.key),
                          URIRef(about.licence), files.get(target.key))
    if sparql_endpoint:
        _add_data_service(graph, sparql_endpoint)
    return graph


def _add_distribution(graph: Graph, base: str, target: Serialisation, size: int | None,
                      licence: URIRef = LICENCE, file_name: str | None = None) -> None:
    """One distribution: a file in ``data/`` (``file_name``, maybe gzip-compressed), or,
    without one, the same address answered on request by ``planegraf serve``."""
    distribution = URIRef(f"{DATASET}/distribution/{target.key}")
    access = URIRef(f"{base}{DATA_FOLDER}/{file_name or target.file_name}")
    file_type = FILE_TYPE[target.file_type]
    media_type = URIRef(IANA + target.media_type)
    compressed = file_name is not None and file_name.endswith(GZIP_SUFFIX)
    graph.add((DATASET, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCAT.accessURL, access))
    if file_name is not None:
        graph.add((DATASET, VOID.dataDump, access))
        graph.add((distribution, DCAT.downloadURL, access))
    graph.add((distribution, DCAT.mediaType, media_type))
    graph.add((distribution, DCTERMS.format, file_type))
    graph.add((distribution, DCTERMS.license, LICENCE))
    graph.add((distribution, DCATAP.availability, STABLE))
    graph.add((distribution, DCTERMS.conformsTo, URIRef("https://w3id.org/planegraf/def")))
    graphs_sv, graphs_en = (
        ("med en namngiven graf per källa", "with a named graph per source")
        if target.keeps_named_graphs else
        ("med alla grafer sammanslagna", "with all graphs merged")
    )
    title_sv, title_en = f"planegraf i {target.name}", f"planegraf in {target.name}"
    how_sv, how_en = "", ""
    if compressed:
        graph.add((distribution, DCAT.compressFormat, GZIP))
        graph.add((GZIP, RDF.type, DCTERMS.MediaType))
        title_sv, title_en = f"{title_sv} (gzip)", f"{title_en} (gzip)"
        how_sv, how_en = ", gzip-komprimerad", ", gzip-compressed"
    elif file_name is None:
        how_sv = (", skapad på begäran av servern (planegraf serve) och inte en fil bland "
                  "de statiska nedladdningarna")
        how_en = (", made on request by the server (planegraf serve) rather than kept as a "
                  "static file")
    graph.add((distribution, DCTERMS.title, Literal(title_sv, lang="sv")))
    graph.add((distribution, DCTERMS.title, Literal(title_en, lang="en")))
    graph.add((distribution, DCTERMS.description, Literal(
        f"Hela datamängden i {target.name}, {graphs_sv}{how_sv}.", lang="sv")))
    graph.add((distribution, DCTERMS.description, Literal(
        f"The whole dataset in {target.name}, {graphs_en}{how_en}.", lang="en")))
    if size is not None:
        graph.add((distribution, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    graph.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    graph.add((file_type, RDF.type, SKOS.Concept))
    graph.add((file_type, SKOS.inScheme, FILE_TYPE_SCHEME))
    graph.add((file_type, SKOS.prefLabel, Literal(target.name, lang="en")))
    graph.add((media_type, RDF.type, DCTERMS.MediaType))


def _add_data_service(graph: Graph, endpoint: str) -> None:
    service = URIRef("https://w3id.org/planegraf/id/dataset/planegraf/sparql")
    graph.add((DATASET, VOID.sparqlEndpoint, URIRef(endpoint)))
    graph.add((CATALOG, DCAT.service, service))
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCAT.endpointURL, URIRef(endpoint)))
    graph.add((service, DCAT.servesDataset, DATASET))
    graph.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    graph.add((URIRef("https://www.w3.org/TR/sparql11-protocol/"), RDF.type, DCTERMS.Standard))
    graph.add((service, DCTERMS.title, Literal("SPARQL-ändpunkt för planegraf", lang="sv")))
    graph.add((service, DCTERMS.title, Literal("SPARQL endpoint of planegraf", lang="en")))


def write_dataset_description(
    store: EmbeddedStore, out_dir: Path, base_url: str | None = None, *,
    sparql_endpoint: str | None = None, about: DatasetInfo | None = None,
    statistics: Statistics | None = None,
) -> list[Path]:
    """Write ``dataset.ttl`` and ``dataset.jsonld`` (the DCAT-AP description) into ``out_dir``
    (``statistics``: see :func:`describe_dataset`).

    The downloads are described as they are in ``out_dir/data/`` (written before, by
    :func:`write_exports`), with their sizes; a format without a file there is described as
    answered on request. Without any file in ``data/``, every format is described as a
    download, without sizes.
    """
    folder = out_dir / DATA_FOLDER
    present = {key: name for key, s in SERIALISATIONS.items()
               for name in (s.file_name, s.file_name + GZIP_SUFFIX) if (folder / name).is_file()}
    sizes = {key: (folder / name).stat().st_size for key, name in present.items()}
    description = describe_dataset(store, base_url, byte_sizes=sizes,
                                   sparql_endpoint=sparql_endpoint, about=about,
                                   downloads=present or None, statistics=statistics)
    turtle = out_dir / "dataset.ttl"
    jsonld = out_dir / "dataset.jsonld"
    atomic.write_text(turtle, description.serialize(format="longturtle"))
    atomic.write_bytes(jsonld, compact_jsonld(description, DESCRIPTION_PREFIXES))
    return [turtle, jsonld]


# ---------------------------------------------------------------------------------------
# Conformance to the SEMIC shapes (DCAT-AP 3.0.1, CPOV 2.1.2, CPSV-AP 3.2.0)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class ShapeResult:
    """One result of an outside profile's shapes, in the words of the shape."""

    severity: str
    focus: str
    path: str
    constraint: str
    message: str


@dataclass
class ProfileReport:
    """What one application profile's shapes found."""

    profile: str
    violations: list[ShapeResult]
    warnings: list[ShapeResult]
    deliberate: list[tuple[ShapeResult, str]] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self, lang: Language = "en") -> str:
        """The findings, one per line, in ``lang``; the shapes' own messages are quoted as the
        profile (SEMIC, in English) words them."""
        lines = [i18n.text("profile_summary", lang, profile=self.profile,
                           violations=len(self.violations), warnings=len(self.warnings))
                 + (i18n.text("profile_summary_deliberate", lang, n=len(self.deliberate))
                    if self.deliberate else "")]
        for result in sorted(self.violations) + sorted(self.warnings):
            where = result.focus + (f" {result.path}" if result.path else "")
            # A profile may define severities of its own (SEMIC: Recommendation); one this
            # catalogue does not know is shown as the profile names it.
            severity = i18n.strings(lang).get(f"profile_severity_{result.severity}",
                                              result.severity)
            lines.append(f"  [{severity}] {where}: {result.message} ({result.constraint})")
        deliberate = i18n.text("profile_severity_deliberate", lang)
        for result, why in sorted(self.deliberate):
            where = result.focus + (f" {result.path}" if result.path else "")
            lines.append(f"  [{deliberate}] {where}: {result.message} ({result.constraint}): "
                         f"{i18n.text(why, lang)}")
        return "\n".join(lines) + "\n"

    def setting_aside(self, rules: Sequence[tuple[str, str, str, str]]) -> ProfileReport:
        """The report with the results ``rules`` (profile prefix, path, constraint, reason)
        call deliberate moved out of the violations and warnings."""
        def why(result: ShapeResult) -> str | None:
            for profile, path, constraint, reason in rules:
                if (self.profile.startswith(profile) and result.path == path
                        and result.constraint == constraint):
                    return reason
            return None

        kept_v = [r for r in self.violations if why(r) is None]
        kept_w = [r for r in self.warnings if why(r) is None]
        aside = [(r, why(r) or "") for r in (*self.violations, *self.warnings)
                 if why(r) is not None]
        return ProfileReport(self.profile, kept_v, kept_w, [*self.deliberate, *aside])


def external_shapes_dir() -> Path:
    """``../shared/external``: the SEMIC shapes, or an error saying where they should be."""
    shared = shared_dir()
    if shared is None or not (shared / "external").is_dir():
        raise PlanegrafError(Message("error_semic_shapes"))
    return shared / "external"


def _shape_results(data: Graph, shapes: Graph, keep: set[Any] | None = None) -> list[ShapeResult]:
    # Imported here: pyshacl (with rdflib's SPARQL engine) is a tenth of a second that only
    # the check against the SEMIC shapes needs, not every site.
    import pyshacl

    _, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True,
    )
    assert isinstance(results, Graph)
    found = []
    top_level = {r for report in results.subjects(RDF.type, SH.ValidationReport)
                 for r in results.objects(report, SH.result)}
    for result in top_level:
        focus = results.value(result, SH.focusNode)
        if keep is not None and focus not in keep:
            continue
        found.append(ShapeResult(
            severity=str(results.value(result, SH.resultSeverity) or SH.Violation).split("#")[-1],
            focus=str(focus),
            path=str(results.value(result, SH.resultPath) or ""),
            constraint=str(results.value(result, SH.sourceConstraintComponent)).split("#")[-1],
            message=str(results.value(result, SH.resultMessage) or ""),
        ))
    return sorted(found)


def _load_shapes(paths: Sequence[Path]) -> Graph:
    shapes = Graph()
    for path in paths:
        shapes.parse(path, format="turtle")
    return shapes


def check_description(description: Graph, external: Path | None = None) -> ProfileReport:
    """Check a dataset description against DCAT-AP 3.0.1.

    The mandatory constraints (``shapes.ttl``), class ranges (``range.ttl``) and controlled
    vocabularies (``mdr-vocabularies.shape.ttl``) count as violations where their shapes say
    so; ``shapes_recommended.ttl`` and the vocabularies' warnings are reported as warnings.
    """
    folder = (external or external_shapes_dir()) / "dcat-ap-3.0.1"
    mandatory = _shape_results(description, _load_shapes(
        [folder / "shapes.ttl", folder / "range.ttl", folder / "mdr-vocabularies.shape.ttl"]))
    recommended = _shape_results(description, _load_shapes([folder / "shapes_recommended.ttl"]))
    violations = [r for r in mandatory if r.severity == "Violation"]
    warnings = [r for r in mandatory if r.severity != "Violation"]
    warnings += [ShapeResult("Recommendation", r.focus, r.path, r.constraint, r.message)
                 for r in recommended]
    return ProfileReport("DCAT-AP 3.0.1", violations, warnings)


def check_claimed_profiles(store: EmbeddedStore, external: Path | None = None
                           ) -> list[ProfileReport]:
    """Check the nodes we type ``cv:PublicOrganisation`` against CPOV 2.1.2 and the
    ``cv:Participation`` nodes against CPSV-AP 3.2.0 (results on other nodes are left out:
    those profiles say more about classes we do not claim to follow them for).
    """
    folder = external or external_shapes_dir()
    data = store.to_rdflib_graph()
    reports = []
    for profile, shapes_file, claimed in (
        ("CPOV 2.1.2 (cv:PublicOrganisation)",
         folder / "cpov-2.1.2" / "core-public-organisation-ap-SHACL.ttl",
         URIRef("http://data.europa.eu/m8g/PublicOrganisation")),
        ("CPSV-AP 3.2.0 (cv:Participation)",
         folder / "cpsv-ap-3.2.0" / "cpsv-ap-SHACL.ttl",
         URIRef("http://data.europa.eu/m8g/Participation")),
    ):
        nodes = set(data.subjects(RDF.type, claimed))
        results = _shape_results(data, _load_shapes([shapes_file]), keep=nodes)
        reports.append(ProfileReport(
            profile, [r for r in results if r.severity == "Violation"],
            [r for r in results if r.severity != "Violation"],
        ))
    return reports


# ---------------------------------------------------------------------------------------
# Compact JSON-LD: the whole dataset (streamed, graph by graph) and one resource (the site's
# per-resource alternates), compacted by the same rules
# ---------------------------------------------------------------------------------------

_RDF_TYPE = str(RDF.type)
_XSD_STRING = str(XSD.string)
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: A value in expanded JSON-LD, as Oxigraph writes it: ``{"@id": …}`` for an IRI or a blank
#: node (``_:…``), ``{"@value": …}`` for a plain string, with ``"@language"`` or ``"@type"``.
Expanded = Mapping[str, str]


@dataclass(frozen=True)
class _Term:
    name: str
    iri: str
    coerce: str | None  # "@id", a datatype IRI, or None
    container: str | None


@cache
def _context_terms() -> tuple[dict[str, str], dict[str, list[_Term]]]:
    """Prefixes and, per property IRI, the context's terms for it."""
    context = jsonld_context()
    prefixes = {k: v for k, v in context.items()
                if isinstance(v, str) and v.endswith(("#", "/"))}

    def expand(value: str) -> str:
        head, sep, tail = value.partition(":")
        return prefixes[head] + tail if sep and head in prefixes else value

    terms: dict[str, list[_Term]] = {}
    for name, definition in context.items():
        if name.startswith("@") or name in prefixes:
            continue
        if isinstance(definition, str):
            term = _Term(name, expand(definition), None, None)
        else:
            coerce = definition.get("@type")
            term = _Term(name, expand(definition["@id"]),
                         coerce if coerce in (None, "@id") else expand(coerce),
                         definition.get("@container"))
        terms.setdefault(term.iri, []).append(term)
    return prefixes, terms


@dataclass(frozen=True)
class _Compaction:
    """How one kind of value of one property is written: under which key, in which form
    (``"string"``: the bare value; ``"language"``: into a language map; ``"node"``,
    ``"tagged"``, ``"typed"``: a value object), and which context entries that needs."""

    key: str
    form: str
    uses: tuple[str, ...]


def _term_uses(term: _Term) -> tuple[str, ...]:
    """A term and the prefixes its definition uses."""
    prefixes, _ = _context_terms()
    text = json.dumps(jsonld_context()[term.name])
    return (term.name, *(p for p in prefixes if f'"{p}:' in text))


def _curie(iri: str) -> tuple[str, tuple[str, ...]]:
    """``iri`` as prefix:name with the context's prefixes (never ``id:``), and the prefix."""
    prefixes, _ = _context_terms()
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(iri) > len(namespace) and prefix != "id":
            return f"{prefix}:{iri[len(namespace):]}", (prefix,)
    return iri, ()


@cache
def _compaction(predicate: str, kind: str, datatype: str) -> _Compaction:
    """The compaction of a ``kind`` of value (``iri``, ``blank``, ``language`` or
    ``literal`` of ``datatype``) of ``predicate``: the first of the context's terms for the
    property that fits it (an ``@id`` term for IRIs, a language container for tagged
    strings, a term of the literal's datatype, or a plain term for a plain string), else
    the property as prefix:name and a value object."""
    _, terms = _context_terms()
    for term in terms.get(predicate, []):
        if kind == "iri" and term.coerce == "@id" and term.container is None:
            return _Compaction(term.name, "string", _term_uses(term))
        if kind == "language" and term.container == "@language" and term.coerce is None:
            return _Compaction(term.name, "language", _term_uses(term))
        if kind == "literal" and term.container is None and term.coerce in (
                datatype, None if datatype == _XSD_STRING else datatype):
            return _Compaction(term.name, "string", _term_uses(term))
    key, uses = _curie(predicate)
    if kind in ("iri", "blank"):
        return _Compaction(key, "node", uses)
    if kind == "language":
        return _Compaction(key, "tagged", uses)
    return _Compaction(key, "string" if datatype == _XSD_STRING else "typed", uses)


@cache
def _type_name(cls: str) -> tuple[str, tuple[str, ...]]:
    """A class as the context's plain term for it, else as prefix:name."""
    _, terms = _context_terms()
    alias = next((t for t in terms.get(cls, []) if t.coerce is None and t.container is None),
                 None)
    return (alias.name, _term_uses(alias)) if alias else _curie(cls)


def _kind(value: Expanded) -> tuple[str, str]:
    if "@id" in value:
        return ("blank" if value["@id"].startswith("_:") else "iri"), ""
    if "@language" in value:
        return "language", ""
    return "literal", value.get("@type", _XSD_STRING)


def _value_order(value: Expanded) -> tuple[str, ...]:
    return (value.get("@id", ""), value.get("@value", ""), value.get("@language", ""),
            value.get("@type", ""))


def _compact_expanded(subject: str, statements: Mapping[str, Sequence[Expanded]],
                      used: set[str] | None = None) -> dict[str, Any]:
    """One node object compacted with the published context, its properties in IRI order
    and each property's values in a stable order; the context entries it needs are added
    to ``used``."""
    node: dict[str, Any] = {"@id": subject}
    for predicate in sorted(statements):
        values = statements[predicate]
        if len(values) > 1:
            values = sorted(values, key=_value_order)
        if predicate == _RDF_TYPE and all("@id" in v for v in values):
            names = []
            for value in values:
                name, uses = _type_name(value["@id"])
                names.append(name)
                if used is not None:
                    used.update(uses)
            node["@type"] = names[0] if len(names) == 1 else names
            continue
        for value in values:
            compaction = _compaction(predicate, *_kind(value))
            if used is not None:
                used.update(compaction.uses)
            form, key = compaction.form, compaction.key
            if form == "string":
                _append(node, key, value.get("@id", value.get("@value")))
            elif form == "language":
                _add_to_language_map(node, key, value["@language"], value["@value"])
            elif form == "node":
                _append(node, key, {"@id": value["@id"]})
            elif form == "tagged":
                _append(node, key, {"@value": value["@value"], "@language": value["@language"]})
            else:
                _append(node, key, {"@value": value["@value"], "@type": value["@type"]})
    return node


def _append(node: dict[str, Any], key: str, item: Any) -> None:
    if key in node:
        existing = node[key]
        node[key] = (existing if isinstance(existing, list) else [existing]) + [item]
    else:
        node[key] = item


def _add_to_language_map(node: dict[str, Any], key: str, language: str, text: str) -> None:
    language_map = node.setdefault(key, {})
    if language in language_map:
        existing = language_map[language]
        language_map[language] = (existing if isinstance(existing, list) else [existing]) + [text]
    else:
        language_map[language] = text


def _expanded(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == _XSD_STRING:
        return {"@value": term.value}
    return {"@value": term.value, "@type": term.datatype.value}


def _graph_nodes(store: EmbeddedStore, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph
                 ) -> list[dict[str, Any]]:
    """The compacted nodes of one graph, sorted by ``@id``: Oxigraph writes the graph as
    expanded JSON-LD (fast, no term passes through Python one by one), grouped here by
    subject (a subject may come in several pieces) and compacted."""
    raw = store.oxigraph.dump(format=ox.RdfFormat.JSON_LD, from_graph=graph) or b"[]"
    subjects: dict[str, dict[str, list[Expanded]]] = {}
    for piece in json.loads(raw):
        statements = subjects.setdefault(piece["@id"], {})
        for predicate, values in piece.items():
            if predicate != "@id":
                statements.setdefault(predicate, []).extend(values)
    return [_compact_expanded(subject, subjects[subject]) for subject in sorted(subjects)]


def write_dataset_jsonld(store: EmbeddedStore, output: BinaryIO) -> None:
    """The whole dataset as compact JSON-LD into ``output``, a graph at a time: the
    published context embedded, one ``@graph`` per named graph, nodes sorted by ``@id``, one
    node per line (so the file diffs by node, and is written without holding the dataset
    as one document)."""
    context = json.dumps(jsonld_context(), ensure_ascii=False, indent=2).replace("\n", "\n  ")
    output.write(f'{{\n  "@context": {context},\n  "@graph": ['.encode())
    separator = "\n"
    for graph in _graphs(store):
        nodes = _graph_nodes(store, graph)
        if not nodes:
            continue
        if isinstance(graph, ox.DefaultGraph):
            indent, closing = "    ", ""
        else:
            name = graph.value if isinstance(graph, ox.NamedNode) else f"_:{graph.value}"
            output.write(f'{separator}    {{"@id": {json.dumps(name, ensure_ascii=False)}, '
                         f'"@graph": ['.encode())
            separator, indent, closing = "\n", "      ", "\n    ]}"
        for node in nodes:
            output.write(f"{separator}{indent}{json.dumps(node, ensure_ascii=False)}"
                         .encode())
            separator = ",\n"
        output.write(closing.encode())
        separator = ",\n"
    output.write(b"\n  ]\n}\n")


def dataset_jsonld(store: EmbeddedStore) -> bytes:
    """The whole dataset as compact JSON-LD (see :func:`write_dataset_jsonld`)."""
    buffer = io.BytesIO()
    write_dataset_jsonld(store, buffer)
    return buffer.getvalue()


Statements = Mapping[str, Sequence[ox.NamedNode | ox.Literal | ox.BlankNode]]


def resource_jsonld(subject: str, statements: Statements) -> bytes:
    """Compact JSON-LD of one resource's statements, with the part of the published context
    it uses embedded, so any JSON-LD reader gets the same triples without fetching anything.

    >>> import pyoxigraph as ox
    >>> doc = json.loads(resource_jsonld("https://w3id.org/planegraf/id/plan/p", {
    ...     "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": [
    ...         ox.NamedNode("https://w3id.org/planegraf/def#ActionPlan")],
    ...     "https://w3id.org/planegraf/def#startYear": [
    ...         ox.Literal("2018", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))]}))
    >>> doc["@type"], doc["startYear"]
    ('ActionPlan', '2018')
    """
    used: set[str] = set()
    node = _compact_expanded(subject, {p: [_expanded(o) for o in objects]
                                       for p, objects in statements.items()}, used)
    full = jsonld_context()
    context = {name: full[name] for name in full if name in used}
    document = {"@context": context, **node}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# What planegraf does differently from the profiles on purpose, said wherever --check reports:
# (profile, property path, constraint component, the catalogue key of why). They are listed,
# never counted.
DELIBERATE_RESULTS: tuple[tuple[str, str, str, str], ...] = (
    ("CPOV", "http://www.w3.org/2004/02/skos/core#altLabel", "UniqueLangConstraintComponent",
     "profile_why_altlabels"),
)
# (what deviates, the catalogue key of why); ``what`` is a name or a catalogue key.
DELIBERATE_DEVIATIONS: tuple[tuple[str, str], ...] = (
    ("DCAT-AP-SE", "profile_why_dcat_ap_se"),
    ("profile_what_contact_point", "profile_why_contact_point"),
    ("CPOV, CPSV-AP", "profile_why_typed_nodes"),
    *((f"{profile} {path.rsplit('#', 1)[-1]} ({constraint})", why)
      for profile, path, constraint, why in DELIBERATE_RESULTS),
)


def deliberate_deviations_text(lang: Language = "en") -> str:
    """The deliberate deviations, one line each, in ``lang``, for ``describe --check``.

    >>> print(deliberate_deviations_text("sv").splitlines()[0])
    Avsiktliga avvikelser (räknas inte som fel):
    """
    def said(words: str) -> str:
        return i18n.text(words, lang) if words.startswith("profile_") else words

    lines = [i18n.text("profile_deviations_heading", lang)]
    lines += [f"  - {said(what)}: {said(why)}" for what, why in DELIBERATE_DEVIATIONS]
    return "\n".join(lines) + "\n"
