"""Runs the phases: draws values from each phase's frames, turns them into task records,
checks every record, assigns splits and adds replay.

``PHASES`` (data) lists each phase's module, default size (records before replay:
6000/7200/4800/6000, twelve times the floors, about 4.7-12x them in distinct LC-R values;
the 3x corpora were memorised by the model instead of teaching it to copy slot values; see
docs/corpus.md), train-only extra draws, floor and length limits. The base records give
every split; the extras add training examples only, so the held-out splits do not depend
on how much training data is drawn. ``compile_phases`` builds phases 1..N in order
(later phases replay earlier ones and a source keeps its split across phases, so a phase's
content does not depend on which phases are written).
"""

from __future__ import annotations

import importlib
import random

from lcr.corpus import human
from lcr.corpus.clauses import CLAUSE_FRAME, PROGRAM_FRAME, program_clauses
from lcr.corpus.records import (
    MAX_PAIR_CHARS,
    TASKS,
    CompileError,
    check_pair,
    check_value,
    count_ops,
    top_op,
)
from lcr.corpus.splits import GEN_BOOST, GEN_RULES, Splitter
from lcr.parser import parse
from lcr.printer import dumps
from lcr.progress import Progress

# phase -> module, records before replay, limits on en2lcr records (words of English,
# characters of LC-R); a drawn example outside the limits is redrawn, not written.
# ``train_extra``: further draws, as a multiple of ``size``, kept only where they land in
# the train split. The model needs far more examples than the held-out splits need (it
# memorises 6,000 and learns to copy from 30,000), and drawing the extras after the base
# records leaves val, test and gen exactly those of the first ``size`` draws.
# ``clauses``: the statement clauses of every training program (read by
# ``lcr.corpus.clauses``) become en2lcr records too, frame ``clause``, where they land in the
# train split. One epoch of whole programs taught the model no statement (phase-3 val, the
# clauses translated one by one: 9% right), and ``brain.generate.segment`` translates a program
# clause by clause. ``clause_replay``: more replayed clause records, as a share of the
# phase's own training records, on top of the usual replay: phase 4 (which has no programs
# of its own) otherwise undoes much of phase 3 (phase-3 val, greedy, clause by clause:
# 40.5% exact after phase 3, 16.5% after phase 4 with the usual replay, 36.0% with 0.15
# more; phases 1, 2 and 4 within 1.2 points; phase 4 takes about 140 s longer). Since format
# 6 it is 0.30: with two clause epochs in phase 3 (57.0% after phase 3), 0.15 left 40.5%
# after phase 4 and 0.30 left 45.5-47.0%, for about 45 s more.
# ``programs``: the share of the phase's training programs kept whole (all of them give their
# clauses). Whole programs teach only the ``block`` decision once programs are translated
# clause by clause, yet they were 56% of phase 3's characters (and the longest rows, so more
# of its time); 15% of them (581) leave room for a second epoch of clauses in the same 233 s
# that one epoch took. Since format 7 phase 3 spends that second epoch on new programs
# instead (``train_extra`` 1, one epoch: phase-3 val 59.3% exact against 54.4%, phases 1,
# 2 and 4 level or up to 0.7 points better; docs/model.md). ``replay_extra``: whether later
# phases replay the phase's extra draws (and their clauses); False for phase 3, so that
# phase 4's replay keeps its mixture of phases 1-3 (with them in its pool, the twice as
# many phase-3 clauses crowded out phase-1 and phase-2 records: in that trial phase-1 val
# fell 1.8 points, though its phase 3 was also cut short by a time cap).
PHASES = {
    1: {"module": "lcr.corpus.phase1", "size": 6000, "floor": 500, "train_extra": 4},
    2: {"module": "lcr.corpus.phase2", "size": 7200, "floor": 600, "train_extra": 4},
    3: {"module": "lcr.corpus.phase3", "size": 4800, "floor": 400, "train_extra": 1,
        "limits": {"words": (30, 100), "lcr_chars": (200, 700)}, "clauses": True,
        "programs": 0.15, "replay_extra": False},
    4: {"module": "lcr.corpus.phase4", "size": 6000, "floor": 500, "train_extra": 4,
        "clause_replay": 0.30},
}
# The compiler's output format: raise it whenever the same seed and scale would now give
# other files, so that corpora compiled by older code are noticed and recompiled
# (brain.data.ensure_corpora). 2: train-only extra draws (train_extra). 3: larger
# vocabularies for the frames whose distinct sources had run out (compute, execute, navigate,
# the single-path and single-collection operations; docs/corpus.md). 4: the clauses of
# phase 3's training programs as records of their own (``clauses``). 5: phase 4 replays
# more of them (``clause_replay``). 6: phase 3 keeps 15% of its training programs whole
# (``programs``) and phase 4 replays twice as many extra clauses. 7: phase 3 draws as many
# programs again for training (``train_extra`` 1), not replayed later (``replay_extra``).
# 8: phase 3's clauses are numbered after all its draws (under 7 some took the ids of
# extra programs, and 458 clauses of programs kept as clauses only were lost with them).
# 9: the compositional generator (lcr.corpus.compose, lcr.corpus.lexicon): composed English
# for the core operations and pipelines, fillers by the thousand, clause records split by
# lcr.clauses.split_clauses, human paraphrases (templates/human) in the training splits.
# 10: phase 2's domain operations composed too (templates/compose/domain.json): collections,
#     control flow with composed bodies, branches and match arms, error handling, map-reduce;
#     phase 3's statements and program joins composed (templates/compose/program.json).
# 11: lcr.clauses reads "3. acc starts out as 4. 4. log acc" as a value then marker 4, not
#     as marker 4 after "as" (a dozen phase-3 clause records had lost their number).
# 12: pipelines of 2-5 steps (6 held out), starting in a folder, a file, a search or a
#     command; phase 2's pipelines through the file system and collections; pipelines 13%
#     of phase 1's draws; a context preamble or postscript around 20% of core requests.
# 13: glob_in's "ls ROOT/PATTERN" (read as glob(PATTERN, ROOT)) becomes "find ROOT -name
#     PATTERN": a text is never part of a path (brain.constrain.texts.text_spans).
FORMAT = 13
# Replayed earlier-phase train records, as a share of the phase's own train records. Half:
# with less (3% of phase 2 was replay in the first large-corpus run) phase 2 undid phase 1
# (phase-1 test exact 43% after phase 1, 15% after phase 2; docs/model.md).
REPLAY_SHARE = 0.5
MAX_ATTEMPTS_PER_RECORD = 40


def _within(limits: dict, task: str, source: str, lcr: str) -> bool:
    if not limits or task != "en2lcr":
        return True
    lo, hi = limits["words"]
    lo2, hi2 = limits["lcr_chars"]
    return lo <= len(source.split()) <= hi and lo2 <= len(lcr) <= hi2


class PhaseBuilder:
    """Builds one phase's records; ``seen`` maps (task, source) -> target over all phases."""

    def __init__(self, phase: int, seed: int, scale: float, seen: dict):
        spec = PHASES[phase]
        self.phase, self.spec = phase, spec
        self.module = importlib.import_module(spec["module"])
        self.rng = random.Random(f"lcr-corpus:{seed}:{phase}")
        self.size = max(1, round(spec["size"] * scale))
        self.extra = round(self.size * spec.get("train_extra", 0))
        self.seen = seen
        self.dropped = {"duplicate": 0, "ambiguous": 0, "too_long": 0, "outside_limits": 0,
                        "no_task": 0, "program_not_split": 0}
        self.mix = list(self.module.MIX)
        # (forced vocabulary choice, frame) pairs that draw held-out combinations on purpose
        self.boost = [(rule["boost"]["force"], f) for rule in GEN_RULES if "boost" in rule
                      for f in rule["boost"]["frames"] if f in self.module.FRAMES]

    def build(self, wanted: int, progress: Progress) -> list[tuple[dict, object]]:
        """``wanted`` more records (with their values), drawn where the last call stopped;
        ``progress`` counts them."""
        from lcr.corpus.vocab import Draw

        draw = Draw(self.rng)
        out: list[tuple[dict, object]] = []
        attempts = 0
        weights = [m[0] for m in self.mix]
        while len(out) < wanted:
            attempts += 1
            if attempts > wanted * MAX_ATTEMPTS_PER_RECORD:
                raise CompileError(f"phase {self.phase}: only {len(out)} of {wanted} distinct "
                                   f"records after {attempts} draws (too little variety)")
            _, frames, tasks = self.rng.choices(self.mix, weights)[0]
            frame = self.rng.choice(frames)
            if self.boost and self.rng.random() < GEN_BOOST:
                force, frame = self.rng.choice(self.boost)
                draw.forced, tasks = dict(force), ("en2lcr",)
            value, phrase = self.module.FRAMES[frame](draw)
            draw.forced = {}
            lcr = check_value(value, frame, phrase)
            for task_spec in tasks:
                task, count = task_spec if isinstance(task_spec, tuple) else (task_spec, 1)
                pairs = TASKS[task](value, phrase, lcr, self.rng, count)
                if not pairs:
                    self.dropped["no_task"] += 1
                for source, target, line, style in pairs:
                    rec = self._record(task, source, target, lcr, value, frame, phrase, line,
                                       style)
                    if rec is not None and len(out) < wanted:
                        out.append((rec, value))
                        progress.update(1)
        progress.close()
        return out

    def clauses(self, programs: list[dict]) -> list[tuple[dict, object]]:
        """en2lcr records pairing each program's clauses with its block's statements."""
        out = []
        for r in programs:
            statements = [v for _, v in parse(r["target"]).fields[1:]]
            clauses = program_clauses(r["source"], len(statements))
            if clauses is None:
                self.dropped["program_not_split"] += 1
                continue
            for clause, value in zip(clauses, statements, strict=True):
                lcr = dumps(value)
                rec = self._record("en2lcr", clause, lcr, lcr, value, CLAUSE_FRAME, None,
                                   None, r["style"], limits=False)
                if rec is not None:
                    out.append((rec, value))
        return out

    def _record(self, task, source, target, lcr, value, frame, phrase, line, style,
                limits=True):
        check_pair(task, source, target, lcr, value, frame, phrase, line)
        if len(source) + len(target) > MAX_PAIR_CHARS:
            self.dropped["too_long"] += 1
            return None
        if limits and not _within(self.spec.get("limits"), task, source, lcr):
            self.dropped["outside_limits"] += 1
            return None
        key = (task, source)
        if key in self.seen:
            # With thousands of fillers and composed frames an English sentence can come out
            # of two draws meaning two things; the first one drawn keeps it.
            self.dropped["duplicate" if self.seen[key][0] == target else "ambiguous"] += 1
            return None
        self.seen[key] = (target, f"frame {frame!r} line {line.index + 1 if line else '-'}")
        return {
            "phase": self.phase, "split": "", "task": task, "source": source,
            "target": target, "lcr": lcr, "op": top_op(value), "replay": False,
            "frame": frame, "template": line.index if line is not None else -1,
            "style": style, "gen_rule": "", "n_ops": count_ops(value), "lcr_chars": len(lcr),
            # for --stats only, not written (lcr.compile.jsonl drops keys starting with _)
            "_gen": getattr(line, "info", None) or {},
        }


def compile_phases(last: int, seed: int, scale: float = 1.0, progress=None):
    """Records of phases 1..``last`` (replay included) and per-phase build notes. With a
    ``progress`` stream (e.g. ``sys.stderr``) each phase shows a bar there.

    Every phase's base records are drawn first (all four, so that a phase never depends on
    which phases are written), then the train-only extras: the base records, and so every
    held-out split, are the same whatever ``train_extra`` says."""
    seen: dict = {}
    unreplayed: set[str] = set()  # ids of extra draws later phases do not replay
    splitter = Splitter(seed)
    builders = {p: PhaseBuilder(p, seed, scale, seen) for p in PHASES}
    phases: dict[int, list[dict]] = {}
    for phase, builder in builders.items():
        bar = Progress(builder.size, f"phase {phase}", progress, interval=5.0,
                       enabled=progress is not None and phase <= last)
        phases[phase] = _with_splits(builder.build(builder.size, bar), phase, 0, splitter)
    notes: dict[int, dict] = {}
    paraphrases = human.load()
    for phase in range(1, last + 1):
        builder = builders[phase]
        numbered = builder.size + builder.extra  # ids given so far
        bar = Progress(builder.extra, f"phase {phase} extra", progress, interval=5.0,
                       enabled=progress is not None and builder.extra > 0)
        extra = _with_splits(builder.build(builder.extra, bar), phase, builder.size, splitter)
        kept = [r for r in extra if r["split"] == "train"]  # extras only add training data
        builder.dropped["extra_not_train"] = len(extra) - len(kept)
        phases[phase] += kept
        # replay is a share of the phase's drawn records: clauses are parts of them
        own = sum(1 for r in phases[phase] if r["split"] == "train")
        if not PHASES[phase].get("replay_extra", True):
            unreplayed.update(r["id"] for r in kept)
        if PHASES[phase].get("clauses"):
            programs = [r for r in phases[phase] if r["split"] == "train"
                        and r["task"] == "en2lcr" and r["frame"] == PROGRAM_FRAME]
            # clauses are numbered after every draw, kept or not (no id twice), in the
            # programs' order; those of programs later phases do not replay are marked too
            built = [builder.clauses([r for r in programs if (r["id"] in unreplayed) == extra])
                     for extra in (False, True)]
            clauses = _with_splits(built[0] + built[1], phase, builder.size + builder.extra,
                                   splitter)
            numbered += len(clauses)
            unreplayed.update(r["id"] for r in clauses[len(built[0]):])
            phases[phase] += [r for r in clauses if r["split"] == "train"]
            builder.dropped["clause_not_train"] = sum(r["split"] != "train" for r in clauses)
            if PHASES[phase].get("programs", 1) < 1:
                rng = random.Random(f"lcr-programs:{seed}:{phase}")
                gone = {r["id"] for r in programs
                        if rng.random() >= PHASES[phase]["programs"]}
                phases[phase] = [r for r in phases[phase] if r["id"] not in gone]
                builder.dropped["program_clauses_only"] = len(gone)
        people, skipped = human.records(phase, paraphrases, numbered, seen, splitter)
        phases[phase] += people
        builder.dropped.update(skipped, human_records=len(people))
        pool = [r for p in range(1, phase) for r in phases[p]
                if r["split"] == "train" and not r["replay"] and r["id"] not in unreplayed]
        rng = random.Random(f"lcr-replay:{seed}:{phase}")
        replay = rng.sample(pool, min(round(REPLAY_SHARE * own), len(pool))) if pool else []
        if PHASES[phase].get("clause_replay"):
            chosen = {r["id"] for r in replay}
            more = [r for r in pool if r["frame"] == CLAUSE_FRAME and r["id"] not in chosen]
            replay += rng.sample(more, min(round(PHASES[phase]["clause_replay"] * own),
                                           len(more)))
        replay.sort(key=lambda r: r["id"])
        phases[phase] += [{**r, "replay": True} for r in replay]
        notes[phase] = {"size": builder.size, "extra": builder.extra,
                        "dropped": builder.dropped, "floor": PHASES[phase]["floor"]}
    return {p: phases[p] for p in notes}, notes


def _with_splits(built, phase: int, first: int, splitter: Splitter) -> list[dict]:
    """Records with their split and gen rule, numbered from ``first``."""
    records = []
    for n, (rec, value) in enumerate(built, start=first):
        rec["split"], rec["gen_rule"] = splitter.split(rec, value, dumps)
        records.append({"id": f"p{phase}-{n:05d}", **rec})
    return records
