package io.scaleprotoseg.samples;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.scaleprotoseg.exporter.ModelExporter;
import io.scaleprotoseg.sdk.BackendInfo;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Parity;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.checkpoint.CheckpointState;
import io.scaleprotoseg.trainer.checkpoint.RunDirectory;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.InMemoryDataset;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.phase.Phase;
import io.scaleprotoseg.trainer.phase.Presets;
import io.scaleprotoseg.trainer.phase.Trainer;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the main job on a fresh machine. Generates the built-in street scenes (written to
 * OUT/data), trains ScaleProtoSeg (both stages), ProtoSeg and DeepLabv2 within a time budget,
 * exports the three models with a parity check, segments the test split through the SDK and writes
 * a self-contained HTML report; prints a table of mIoU, prototypes, latency and parity.
 *
 * <p>Re-running reuses what is done: the data when it is there, a finished run (it is not trained
 * again), an interrupted run (resumed from its last checkpoint with its own settings), a model file
 * whose card shows it was exported from the run's final checkpoint. Evaluation, segmentation and
 * the report are redone (seconds).
 *
 * <p>The time budget ({@link DemoPlan}): a short calibration run measures the speed of a training
 * update (and, unless {@code --threads} says otherwise, whether one PyTorch thread or all cores
 * train faster); when the preset schedules would not fit the budget with a margin for export,
 * segmentation and report, every phase's step count is scaled down by the same factor.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "The whole path on the CPU, within a time budget: generates the built-in street scenes (OUT/data, generic "
                + "folder format), trains ScaleProtoSeg (stages 1 and 2), ProtoSeg and DeepLabv2 with the 'scenes' preset "
                + "(OUT/runs/NAME), exports them to ONNX with a parity check against the trainer (OUT/models/NAME.onnx), "
                + "segments the test split through the SDK (ScaleProtoSeg's masks, overlays and JSON in OUT/segment) and "
                + "writes OUT/report.html (results, per-class IoU, training curves, group graphs, explained pixels) and "
                + "OUT/demo.json; prints test mIoU, prototypes, latency and parity of each model.",
            "The preset schedules take about a minute per model on 2 cores. A calibration run measures the speed first; "
                + "when the schedules would not fit --minutes (with a margin for the rest), every phase's step count is "
                + "scaled down by the same factor. Running again reuses finished runs and exports and resumes interrupted "
                + "runs.",
            "--threads sets PyTorch's and ONNX Runtime's intra-op threads. Without it the calibration also times one "
                + "thread against all cores and trains with the faster (on small networks one thread often wins: the "
                + "cores then serve the data workers); a later run that trains nothing keeps that choice.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  scaleprotoseg demo",
            "  scaleprotoseg demo --out /tmp/demo --minutes 5",
            "  scaleprotoseg info demo-out/models/scaleprotoseg.onnx"
        })
final class DemoCommand extends CommandBase {
    /** The models in training order, with their directory and file names. */
    static final List<ModelKind> MODELS = List.of(ModelKind.SCALEPROTOSEG, ModelKind.PROTOSEG, ModelKind.DEEPLABV2);
    static final String PRESET = "scenes";
    static final int PARITY_IMAGES = ExportCommand.DEFAULT_PARITY_IMAGES;
    /** Joint updates of a calibration run; the first {@link #CALIBRATION_SKIP} are not timed. */
    static final int CALIBRATION_JOINT = 10;
    static final int CALIBRATION_SKIP = 2;
    /** Classes explained in the report, in order of preference (three are taken). */
    static final List<Integer> EXPLAINED_CLASSES = List.of(Scenes.CAR, Scenes.PERSON, Scenes.ROAD, Scenes.BUILDING,
            Scenes.VEGETATION, Scenes.SIDEWALK, Scenes.SKY);
    static final String DATA_MARKER = "scenes.json";
    static final String SUMMARY = "demo.json";

    @Option(names = "--out", defaultValue = "demo-out", paramLabel = "DIR",
            description = "output directory (default: ${DEFAULT-VALUE}); running again reuses what it holds")
    Path out;

    @Option(names = "--minutes", defaultValue = "15", paramLabel = "N",
            description = "time budget for everything, in minutes (default: ${DEFAULT-VALUE}); schedules are scaled down "
                    + "to fit it")
    double minutes;

    @Mixin
    EngineOptions engine;

    @Option(names = "--scenes-train", defaultValue = "200", paramLabel = "N",
            description = "training scenes (default: ${DEFAULT-VALUE})")
    int scenesTrain;

    @Option(names = "--scenes-val", defaultValue = "50", paramLabel = "N",
            description = "validation scenes (default: ${DEFAULT-VALUE})")
    int scenesVal;

    @Option(names = "--scenes-test", defaultValue = "50", paramLabel = "N",
            description = "test scenes (default: ${DEFAULT-VALUE})")
    int scenesTest;

    @Option(names = "--image-size", defaultValue = "128x96", paramLabel = "WxH",
            description = "scene size (default: ${DEFAULT-VALUE}; at least 32x24)")
    String imageSize;

    @Option(names = "--compare-latency", hidden = true,
            description = "also time the trainer's eager forward pass on the test images and print the SDK's speed-up")
    boolean compareLatency;

    /** How far a model's run is. */
    enum State {
        NEW, PARTIAL, FINISHED
    }

    /** One model's run directory and what it holds. */
    private static final class Run {
        final ModelKind kind;
        final Path dir;
        State state;
        TrainingConfig config;
        Double trainingSeconds;
        String trainingNote;

        Run(ModelKind kind, Path dir) {
            this.kind = kind;
            this.dir = dir;
        }

        String id() {
            return kind.id();
        }
    }

    private long start;
    private double budgetMs;
    private ProgressLines lines;

    // ---- what the steps of execute() hand on ---------------------------------------------------
    private Scenes spec;
    private Path dataDir;
    private Path runsDir;
    private Path modelsDir;
    private Path segmentDir;
    private List<Run> runs;
    private boolean dataReused;
    private SegmentationDataset train;
    private SegmentationDataset val;
    private List<Sample> testSamples;
    private EngineOptions.Started started;
    private int threads;
    private boolean training;
    private double unitMs;
    private String speed;
    private String engineText;
    private double factor;
    private String planText;
    private final Map<ModelKind, Parity> parity = new EnumMap<>(ModelKind.class);
    private final Map<ModelKind, Path> models = new EnumMap<>(ModelKind.class);
    private final List<String> reusedModels = new ArrayList<>();
    private List<DemoEvaluation.TestImage> test;
    private final Map<ModelKind, DemoEvaluation.Result> results = new EnumMap<>(ModelKind.class);
    private final Map<ModelKind, Double> trainerMs = new EnumMap<>(ModelKind.class);
    private final PixelPicker picker = new PixelPicker();
    private List<DemoReport.Explained> explained;
    private Path report;
    private List<WeakClasses.Weak> weak = List.of();
    private final List<Segmentation> groupedResults = new ArrayList<>();
    private DemoEdit edit;

    /**
     * The demo as a plan of steps; what one step makes, the next reads from this command's fields
     * (a command object runs once).
     */
    @Override
    int execute() throws Exception {
        start = System.nanoTime();
        if (!(minutes > 0) || Double.isInfinite(minutes)) {
            throw new UserError("--minutes must be a positive number, got " + minutes);
        }
        budgetMs = minutes * 60_000;
        int[] size = parseSize(imageSize);
        for (int n : new int[] {scenesTrain, scenesVal, scenesTest}) {
            if (n < 1) {
                throw new UserError("--scenes-train, --scenes-val and --scenes-test must be at least 1, got " + n);
            }
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserError("--out " + out + " is a file; give a directory");
        }
        spec = Scenes.defaults().withSize(size[0], size[1]).withCounts(scenesTrain, scenesVal, scenesTest);
        dataDir = out.resolve("data");
        runsDir = out.resolve("runs");
        modelsDir = out.resolve("models");
        segmentDir = out.resolve("segment");
        lines = new ProgressLines(err(), ProgressLines.interactive());
        inspectRuns();
        loadData();
        chooseThreads();
        train();
        export();
        evaluate();
        report();
        printResults();
        return 0;
    }

    /**
     * What OUT already holds: each model's run directory inspected before anything is written; stale
     * scratch directories of killed calibrations removed.
     */
    private void inspectRuns() throws Exception {
        // ---- runs: what is there (checked before anything is written) ----------------------------
        runs = new ArrayList<>();
        for (ModelKind kind : MODELS) {
            runs.add(inspect(kind, runsDir.resolve(kind.id()), spec));
        }
        Files.createDirectories(out);
        // scratch directories of calibration runs that were killed
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".calibration")).toList()) {
                deleteTree(p);
            }
        }
        log("demo in " + abs(out) + ": scenes " + spec.trainCount() + " train / " + spec.valCount() + " val / "
                + spec.testCount() + " test at " + spec.width() + "x" + spec.height() + ", budget " + minutesText(minutes));
    }

    /** Step 1: the scenes written to OUT/data (or reused) and loaded. */
    private void loadData() throws Exception {
        dataReused = writeData(spec, dataDir);
        log("[1/5] data: " + (dataReused ? "reused " : "written to ") + abs(dataDir) + " (classes.txt, parts.txt, "
                + "{train,val,test}/{images,masks,parts})");
        train = InMemoryDataset.load(spec.dataset(Split.TRAIN));
        val = InMemoryDataset.load(spec.dataset(Split.VAL));
        testSamples = new ArrayList<>();
        for (int i = 0; i < spec.testCount(); i++) {
            testSamples.add(spec.scene(Split.TEST, i).sample());
        }
    }

    /**
     * The engine started and the thread count chosen: the calibration times a DeepLabv2 update (with
     * all cores and with one) to size the schedules and pick the faster.
     */
    private void chooseThreads() throws Exception {
        boolean autoThreads = engine.threads == null && System.getProperty(EngineOptions.NUM_THREADS) == null
                && Runtime.getRuntime().availableProcessors() > 1;
        started = engine.start();
        threads = started.threads();
        training = runs.stream().anyMatch(r -> r.state != State.FINISHED);
        unitMs = Double.NaN;
        speed = "not measured (nothing to train)";
        if (training) {
            TrainingConfig calibration = presetFor(ModelKind.DEEPLABV2, spec);
            double atCores = calibrate(calibration, train, val, started, threads);
            unitMs = atCores;
            speed = String.format(Locale.ROOT, "%.1f ms per DeepLabv2 joint update with %d PyTorch thread%s", atCores, threads,
                    threads == 1 ? "" : "s");
            if (autoThreads && threads > 1) {
                double atOne = calibrate(calibration, train, val, started, 1);
                speed = String.format(Locale.ROOT, "%.1f ms per DeepLabv2 joint update with %d PyTorch threads, %.1f ms with "
                        + "1", atCores, threads, atOne);
                if (atOne < atCores) {
                    threads = 1;
                    unitMs = atOne;
                    speed += "; training with 1 thread, the faster (--threads N to choose)";
                } else {
                    speed += "; training with " + threads + " threads (--threads N to choose)";
                }
            }
            log("speed: " + speed);
        } else if (autoThreads) {
            // nothing to train: keep the thread count the run that trained chose, so that latencies compare
            Integer earlier = earlierThreads();
            if (earlier != null && earlier > 0) {
                threads = earlier;
                speed += "; " + threads + " thread" + (threads == 1 ? "" : "s") + " as chosen when the models were trained";
            }
        }
        JniUtils.setNumThreads(threads);
        System.setProperty(EngineOptions.NUM_THREADS, String.valueOf(threads));
        String device = started.device().isGpu() ? "GPU " + started.device().getDeviceId() : "CPU";
        engineText = "PyTorch (DJL) on the " + device + ", " + threads + " intra-op thread"
                + (threads == 1 ? "" : "s") + "; ONNX Runtime CPU, " + threads + " intra-op thread" + (threads == 1 ? "" : "s");
    }

    /** Step 2: each model trained (or its run reused or resumed), with schedules scaled to the budget. */
    private void train() throws Exception {
        Map<String, Double> earlier = earlierTrainingSeconds();
        long area = (long) spec.width() * spec.height();
        double reserveMs = reserveMs(spec);
        List<TrainingConfig> fresh = new ArrayList<>();
        for (Run r : runs) {
            if (r.state == State.NEW) {
                fresh.add(presetFor(r.kind, spec));
            }
        }
        factor = 1;
        if (!training) {
            planText = "all three runs finished earlier; reused";
        } else {
            double partialMs = partialCostMs(runs, unitMs, spec);
            double available = budgetMs - elapsedMs() - reserveMs - partialMs;
            DemoPlan.Fit fit = DemoPlan.fit(fresh, available, unitMs, spec.trainCount(), spec.valCount(), area);
            // runs already in OUT keep their schedules; new ones get no larger a share, so that results compare
            factor = Math.min(fit.factor(), existingFactor(runs, spec));
            double estimate = DemoPlan.estimateMs(fresh, factor, unitMs, spec.trainCount(), spec.valCount(), area) + partialMs;
            planText = plan(runs, spec, factor, factor < fit.factor(), fit.tooSmall(), estimate, available + partialMs);
        }
        log("[2/5] training: " + planText);
        boolean[] trainedHere = new boolean[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            if (r.state == State.FINISHED) {
                r.trainingSeconds = earlier.get(r.id());
                r.trainingNote = "reused (trained earlier" + (r.trainingSeconds == null ? ")"
                        : " in " + TrainCommand.duration(r.trainingSeconds) + ")");
                log(r.id() + ": finished run reused, " + abs(TrainedModel.finalCheckpoint(r.dir)) + " (not trained again)");
                continue;
            }
            boolean resume = r.state == State.PARTIAL;
            if (!resume) {
                r.config = DemoPlan.scale(presetFor(r.kind, spec), factor);
                RunFiles.writeData(r.dir, dataRecord(spec));
            }
            log(r.id() + " (" + (i + 1) + "/" + runs.size() + "): " + (resume ? "resuming the interrupted run, " : "")
                    + DemoReport.schedule(r.config) + "; " + abs(r.dir));
            double predicted = DemoPlan.cost(r.config, spec.trainCount(), spec.valCount(), area) * unitMs;
            long t0 = System.nanoTime();
            TrainingProgress progress = new TrainingProgress(lines);
            Trainer.Result result;
            try {
                result = new Trainer(r.config, train, val, r.dir, progress, null).device(started.device())
                        .run(resume);
            } finally {
                progress.close();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            r.trainingSeconds = resume ? null : seconds;
            r.trainingNote = (resume ? "resumed, " : "") + TrainCommand.duration(seconds) + ", " + DemoPlan.updates(r.config)
                    + " updates";
            trainedHere[i] = true;
            log(String.format(Locale.ROOT, "%s: trained in %s, validation mIoU %.4f%s", r.id(),
                    TrainCommand.duration(seconds), result.validation().meanIou(), r.kind.hasPrototypes()
                            ? ", " + result.prototypes() + " prototypes in use" : ""));
            if (!resume && predicted > 0) {
                // what the next models cost here: the measured time of this one against its estimate
                unitMs *= (seconds * 1000) / predicted;
                List<TrainingConfig> rest = new ArrayList<>();
                for (Run later : runs.subList(i + 1, runs.size())) {
                    if (later.state == State.NEW) {
                        rest.add(presetFor(later.kind, spec));
                    }
                }
                if (!rest.isEmpty()) {
                    double available = budgetMs - elapsedMs() - reserveMs - partialCostMs(runs.subList(i + 1, runs.size()),
                            unitMs, spec);
                    DemoPlan.Fit again = DemoPlan.fit(rest, available, unitMs, spec.trainCount(), spec.valCount(), area);
                    if (again.factor() < factor) {
                        factor = again.factor();
                        log(String.format(Locale.ROOT, "training runs slower than estimated: the remaining models get %.0f%% of "
                                + "the preset schedules", 100 * factor));
                    }
                }
            }
        }
    }

    /** Step 3: each finished run exported with a parity check (an export still current is reused). */
    private void export() throws Exception {
        log("[3/5] export with parity check (" + PARITY_IMAGES + " validation images, trainer vs ONNX Runtime)");
        Files.createDirectories(modelsDir);
        for (Run r : runs) {
            Path ckpt = TrainedModel.finalCheckpoint(r.dir);
            Path model = modelsDir.resolve(r.id() + ".onnx");
            models.put(r.kind, model);
            String stale = ModelExports.staleReason(model, ckpt, RunFiles.state(ckpt));
            if (stale == null) {
                ModelCard card = ModelCard.read(model);
                parity.put(r.kind, card.parity());
                reusedModels.add(r.id());
                log(r.id() + ": " + abs(model) + " reused (exported from " + ckpt.getFileName() + "; parity "
                        + parity.get(r.kind).describe() + ")");
            } else {
                ModelExporter.Report rep = ModelExporter.export(ckpt, model, null, val, PARITY_IMAGES);
                parity.put(r.kind, rep.parity());
                log(r.id() + ": exported " + abs(model) + " (" + ExportCommand.size(model) + "); parity "
                        + parity.get(r.kind).describe());
            }
        }
    }

    /** Step 4: the test split segmented through the SDK, with the ScaleProtoSeg outputs written. */
    private void evaluate() throws Exception {
        log("[4/5] test split through the SDK (" + spec.testCount() + " images, ONNX Runtime CPU)");
        Files.createDirectories(segmentDir);
        test = DemoEvaluation.images(testSamples);
        for (Run r : runs) {
            boolean grouped = r.kind == ModelKind.SCALEPROTOSEG;
            DemoEvaluation.Visitor visitor = !grouped ? null : (index, sample, image, s, backend) -> {
                SegmentOutputs.write(segmentDir, sample.id(), image, s, 5);
                picker.offer(index, sample, s, backend);
                groupedResults.add(s);
            };
            DemoEvaluation.Result res = DemoEvaluation.evaluate(r.id(), models.get(r.kind), test, threads,
                    Scenes.LABELS.ignoreLabel(), visitor);
            results.put(r.kind, res);
            if (compareLatency) {
                trainerMs.put(r.kind, DemoEvaluation.trainerLatencyMs(TrainedModel.finalCheckpoint(r.dir), test,
                        started.device()));
            }
            log(String.format(Locale.ROOT, "%s: test mIoU %.4f, latency %.2f ms per image%s", r.id(), res.meanIou(),
                    res.latencyMs(), compareLatency ? String.format(Locale.ROOT, " (trainer eager %.2f ms)", trainerMs.get(r.kind))
                            : ""));
        }
    }

    private String groupedCardName(int cls) {
        return results.get(ModelKind.SCALEPROTOSEG).card().className(cls);
    }

    /** Step 5: the HTML report and demo.json. */
    private void report() throws Exception {
        log("[5/5] report");
        ModelCard groupedCard = results.get(ModelKind.SCALEPROTOSEG).card();
        explained = explain(picker, models.get(ModelKind.SCALEPROTOSEG), test);
        Map<Integer, Map<Integer, Double>> lastLayer = picker.lastLayer(groupedCard);
        List<DemoReport.Row> rows = new ArrayList<>();
        for (Run r : runs) {
            Path metrics = new RunDirectory(r.dir).metrics();
            TrainingCurves curves = Files.isRegularFile(metrics) ? TrainingCurves.read(metrics) : null;
            rows.add(new DemoReport.Row(results.get(r.kind), parity.get(r.kind), r.config, curves, r.trainingNote,
                    trainerMs.getOrDefault(r.kind, Double.NaN)));
        }
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("data", "built-in street scenes, seed " + spec.seed() + ", " + spec.trainCount() + " train / "
                + spec.valCount() + " val / " + spec.testCount() + " test images of " + spec.width() + "x" + spec.height()
                + ", written to " + abs(dataDir));
        facts.put("time budget", minutesText(minutes) + "; " + planText);
        facts.put("speed", speed);
        facts.put("engines", engineText);
        facts.put("runs", abs(runsDir) + " (config.json, data.json, metrics.jsonl, checkpoints/)");
        facts.put("models", abs(modelsDir).toString());
        facts.put("segmentation", abs(segmentDir) + " (ScaleProtoSeg: masks, overlays and JSON of the test images)");
        facts.put("wall time", TrainCommand.duration(elapsedMs() / 1000) + " until this page was written");
        List<WeakClasses.ModelResult> evaluated = new ArrayList<>();
        for (Run r : runs) {
            DemoEvaluation.Result e = results.get(r.kind);
            evaluated.add(new WeakClasses.ModelResult(e.id(), e.meanIou(), e.classIou(), e.card()));
        }
        weak = WeakClasses.find(evaluated, runs.get(0).config.network(), testSamples, train);
        DemoEvaluation.Result grouped = results.get(ModelKind.SCALEPROTOSEG);
        edit = DemoEdit.run(models.get(ModelKind.SCALEPROTOSEG), groupedCard, groupedResults, test, grouped.meanIou(), threads,
                Scenes.LABELS.ignoreLabel(), modelsDir.resolve("scaleprotoseg-edited.onnx"));
        report = DemoReport.write(out.resolve("report.html"), new DemoReport.Page(facts, rows, groupedCard, lastLayer,
                explained, weak, edit));
        writeSummary(spec, runs, results, parity, trainerMs, factor, threads);
    }

    /** The table and what was written, on stdout. */
    private void printResults() throws Exception {
        printTable(runs, results, parity, trainerMs);
        var o = out();
        DemoEvaluation.Result sps = results.get(ModelKind.SCALEPROTOSEG);
        DemoEvaluation.Result dl = results.get(ModelKind.DEEPLABV2);
        if (dl.meanIou() > 0) {
            o.printf(Locale.ROOT, "ScaleProtoSeg reaches %.1f%% of the DeepLabv2 baseline's test mIoU%n",
                    100 * sps.meanIou() / dl.meanIou());
        }
        for (WeakClasses.Weak w : weak) {
            o.println("weak class: " + w.name() + " (" + w.iou().entrySet().stream()
                    .map(e -> e.getKey() + " " + DemoReport.f4(e.getValue())).collect(Collectors.joining(", ")) + "): likely "
                    + w.cause());
        }
        if (edit != null) {
            o.printf(Locale.ROOT, "edit:       prototype %d of %s disabled (decisive on %d test pixels): test mIoU %.4f -> %.4f "
                    + "(%s)%n", edit.prototypeId(), groupedCardName(edit.classId()), edit.decisivePixels(), edit.miouBefore(),
                    edit.miouAfter(), abs(edit.edited()));
        }
        List<String> reusedRuns = runs.stream().filter(r -> r.state == State.FINISHED).map(Run::id).toList();
        if (dataReused || !reusedRuns.isEmpty() || !reusedModels.isEmpty()) {
            o.println("reused:     " + (dataReused ? "data; " : "") + "runs " + listOrNone(reusedRuns) + "; models "
                    + listOrNone(reusedModels));
        }
        double wall = elapsedMs() / 1000;
        o.println("wall time:  " + TrainCommand.duration(wall) + " (budget " + minutesText(minutes) + ")"
                + (wall * 1000 > budgetMs ? ": over budget, the smallest schedules do not fit it" : ""));
        o.println("written:");
        o.println("  data      " + abs(dataDir));
        o.println("  runs      " + abs(runsDir));
        o.println("  models    " + abs(modelsDir));
        o.println("  segment   " + abs(segmentDir));
        for (DemoReport.Explained e : explained) {
            o.println("  explain   " + abs(out.resolve(e.page())));
        }
        o.println("  report    " + abs(report));
        o.println("  summary   " + abs(out.resolve(SUMMARY)));
        o.println("next: scaleprotoseg info " + out.resolve("models").resolve("scaleprotoseg.onnx"));
    }

    // ---- data ----------------------------------------------------------------------------------

    /** Writes the scenes to {@code dir} unless the same scenes are there; true when reused. */
    private boolean writeData(Scenes spec, Path dir) throws IOException {
        Path marker = dir.resolve(DATA_MARKER);
        if (Files.isRegularFile(marker)) {
            Scenes there;
            try {
                there = Checkpoint.json().readValue(marker.toFile(), Scenes.class);
            } catch (IOException e) {
                there = null;
            }
            if (spec.equals(there)) {
                return true;
            }
        }
        Files.deleteIfExists(marker);
        spec.writeTo(dir);
        Files.writeString(marker, Checkpoint.json().writeValueAsString(spec) + System.lineSeparator());
        return false;
    }

    /** The data a demo run records (data.json), so that eval, export and train --resume find it. */
    static RunFiles.DataRecord dataRecord(Scenes spec) {
        Scenes d = Scenes.defaults();
        List<String> options = new ArrayList<>();
        if (spec.seed() != d.seed()) {
            options.add("seed=" + spec.seed());
        }
        if (spec.width() != d.width()) {
            options.add("width=" + spec.width());
        }
        if (spec.height() != d.height()) {
            options.add("height=" + spec.height());
        }
        return new RunFiles.DataRecord(null, "scenes", options, spec.trainCount(), spec.valCount(), spec.testCount());
    }

    /** The preset of a model, its crop fitted to the scenes. */
    static TrainingConfig presetFor(ModelKind kind, Scenes spec) {
        TrainingConfig c = Presets.get(PRESET, kind);
        int crop = Math.min(c.crop(), Math.min(spec.width(), spec.height()));
        return crop == c.crop() ? c : c.withBatch(crop, c.batchSize(), c.iterationSize());
    }

    // ---- runs ----------------------------------------------------------------------------------

    /** The state of a model's run directory; a directory holding something else is a user error. */
    private Run inspect(ModelKind kind, Path dir, Scenes spec) throws IOException {
        Run r = new Run(kind, dir);
        TrainingConfig saved = RunFiles.config(dir);
        if (saved == null) {
            r.state = State.NEW;
            if (new RunDirectory(dir).holdsRun()) {
                throw new UserError(dir + " holds part of a run without its config.json; remove the directory (or choose "
                        + "another --out) to train it anew");
            }
            return r;
        }
        if (saved.network().method() != kind || !PRESET.equals(saved.preset())) {
            throw new UserError(dir + " holds a " + saved.network().method().id() + " run of preset " + saved.preset()
                    + ", not the demo's " + kind.id() + "; choose another --out");
        }
        RunFiles.DataRecord recorded = RunFiles.readData(dir);
        if (recorded != null && !Objects.equals(recorded, dataRecord(spec))) {
            throw new UserError(dir + " was trained on other scenes (" + recorded + "); run the demo with the same --scenes-* "
                    + "and --image-size options as before, or choose another --out");
        }
        r.config = saved;
        r.state = Files.isRegularFile(new RunDirectory(dir).finalCheckpoint(saved)) ? State.FINISHED : State.PARTIAL;
        return r;
    }

    /**
     * The smallest share of its preset schedule that a run already in OUT has (joint updates over the
     * preset's), or 1 without such runs.
     */
    private static double existingFactor(List<Run> runs, Scenes spec) {
        double f = 1;
        for (Run r : runs) {
            if (r.state != State.NEW) {
                int preset = presetFor(r.kind, spec).jointSteps();
                if (preset > 0) {
                    f = Math.min(f, r.config.jointSteps() / (double) preset);
                }
            }
        }
        return f;
    }

    /** The estimated time left of the interrupted runs among {@code runs}. */
    private static double partialCostMs(List<Run> runs, double unitMs, Scenes spec) {
        double ms = 0;
        for (Run r : runs) {
            if (r.state != State.PARTIAL) {
                continue;
            }
            double full = DemoPlan.cost(r.config, spec.trainCount(), spec.valCount(), (long) spec.width() * spec.height());
            double done = doneFraction(r);
            ms += DemoPlan.SAFETY * full * (1 - done) * unitMs;
        }
        return ms;
    }

    /** The share of a run's updates its last checkpoint has done. */
    private static double doneFraction(Run r) {
        CheckpointState state = RunFiles.state(new RunDirectory(r.dir).last());
        if (state == null || state.phase() == null) {
            return 0;
        }
        Phase at = state.phase();
        int total = DemoPlan.updates(r.config);
        if (total == 0 || at == Phase.DONE) {
            return 1;
        }
        int done = 0;
        for (Map.Entry<String, Integer> e : DemoPlan.phaseSteps(r.config).entrySet()) {
            Phase p = Phase.valueOf(e.getKey().toUpperCase(Locale.ROOT).replace('-', '_'));
            if (p.ordinal() < at.ordinal()) {
                done += e.getValue();
            } else if (p == at) {
                done += state.phaseStep();
            }
        }
        return Math.min(1, done / (double) total);
    }

    /** The plan as one sentence. */
    private String plan(List<Run> runs, Scenes spec, double factor, boolean capped, boolean tooSmall, double estimateMs,
            double availableMs) {
        StringBuilder b = new StringBuilder();
        List<String> parts = new ArrayList<>();
        for (Run r : runs) {
            switch (r.state) {
                case FINISHED -> parts.add(r.id() + " reused");
                case PARTIAL -> parts.add(r.id() + " resumed (" + DemoPlan.updates(r.config) + " updates)");
                default -> parts.add(r.id() + " " + DemoPlan.updates(DemoPlan.scale(presetFor(r.kind, spec), factor))
                        + " updates");
            }
        }
        b.append(String.join(", ", parts));
        if (factor >= 1) {
            b.append(" (the preset schedules)");
        } else if (capped) {
            b.append(String.format(Locale.ROOT, " (every phase at %.0f%% of the preset schedule, as the runs already in "
                    + "%s)", 100 * factor, out));
        } else if (tooSmall) {
            b.append(" (the smallest schedules, ").append(DemoPlan.MIN_STEPS).append(" updates per phase: the budget is too "
                    + "small even for them)");
        } else {
            b.append(String.format(Locale.ROOT, " (every phase scaled to %.0f%% of the preset schedule to fit the budget)",
                    100 * factor));
        }
        b.append("; estimated ").append(TrainCommand.duration(estimateMs / 1000)).append(" of ")
                .append(TrainCommand.duration(Math.max(0, availableMs) / 1000)).append(" left for training");
        return b.toString();
    }

    /**
     * Times a short DeepLabv2 run (warm-up 2, joint {@link #CALIBRATION_JOINT} updates, validation
     * on one image) in a scratch directory that is removed again; returns the mean ms of the joint
     * updates after the first {@link #CALIBRATION_SKIP}.
     */
    private double calibrate(TrainingConfig preset, SegmentationDataset train, SegmentationDataset val,
            EngineOptions.Started started, int threads) throws Exception {
        JniUtils.setNumThreads(threads);
        return UpdateTiming.measure(preset, train, val, started.device(), 2, CALIBRATION_JOINT, CALIBRATION_SKIP, 0, out)
                .jointMs();
    }

    /**
     * Time kept for export, segmentation and report: 20 s, 60 ms per test image and 10% of the
     * budget (measured: under 15 s in all on 2 cores with the default data).
     */
    private double reserveMs(Scenes spec) {
        return 20_000 + 60.0 * spec.testCount() * (compareLatency ? 2 : 1) + 0.1 * budgetMs;
    }

    private double elapsedMs() {
        return (System.nanoTime() - start) / 1e6;
    }

    // ---- explained pixels ----------------------------------------------------------------------

    /**
     * Keeps, per class, the test image where the ScaleProtoSeg model gets most pixels of the class
     * right, with its full-evidence segmentation.
     */
    private static final class PixelPicker {
        final Map<Integer, Integer> bestCount = new LinkedHashMap<>();
        final Map<Integer, Integer> bestIndex = new LinkedHashMap<>();
        final Map<Integer, Segmentation> bestSeg = new LinkedHashMap<>();
        Segmentation any;
        BackendInfo backend;

        void offer(int index, Sample sample, Segmentation s, BackendInfo b) {
            backend = b;
            any = any == null ? s : any;
            int[] mask = s.mask();
            int[] labels = sample.labels();
            Map<Integer, Integer> right = new LinkedHashMap<>();
            for (int i = 0; i < mask.length; i++) {
                if (labels[i] == mask[i]) {
                    right.merge(labels[i], 1, Integer::sum);
                }
            }
            right.forEach((c, n) -> {
                if (n > bestCount.getOrDefault(c, 0)) {
                    bestCount.put(c, n);
                    bestIndex.put(c, index);
                    bestSeg.put(c, s);
                }
            });
        }

        /** Per class, its groups' last-layer weights to it (from any full-evidence result). */
        Map<Integer, Map<Integer, Double>> lastLayer(ModelCard card) {
            Map<Integer, Map<Integer, Double>> out = new LinkedHashMap<>();
            if (any == null) {
                return out;
            }
            for (ModelCard.ClassInfo c : card.classes()) {
                Map<Integer, Double> w = new LinkedHashMap<>();
                for (var g : any.explain(0, 0, c.id()).groups()) {
                    if (g.classId() == c.id()) {
                        w.put(g.index(), g.lastLayerWeight());
                    }
                }
                out.put(c.id(), w);
            }
            return out;
        }
    }

    /** Three explained pixels of different classes, each with its own explain page under OUT/explain/. */
    private List<DemoReport.Explained> explain(PixelPicker picker, Path model, List<DemoEvaluation.TestImage> test)
            throws IOException {
        List<DemoReport.Explained> out = new ArrayList<>();
        for (int cls : EXPLAINED_CLASSES) {
            if (out.size() == 3) {
                break;
            }
            Segmentation s = picker.bestSeg.get(cls);
            if (s == null) {
                continue;
            }
            DemoEvaluation.TestImage image = test.get(picker.bestIndex.get(cls));
            int[] pixel = centralPixel(s.mask(), image.sample().labels(), cls, image.sample().width());
            PixelExplanation why = s.explain(pixel[0], pixel[1]);
            String name = Scenes.LABELS.classes().get(cls).name();
            Path dir = this.out.resolve("explain").resolve(name);
            ExplainReport.write(dir, model, picker.backend, image.image(), s, why);
            out.add(new DemoReport.Explained(name, image, s, why, "explain/" + name + "/explain.html"));
        }
        return out;
    }

    /** Among the pixels labelled and predicted {@code cls}, the one nearest to their centroid. */
    static int[] centralPixel(int[] mask, int[] labels, int cls, int width) {
        double sx = 0;
        double sy = 0;
        int n = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == cls && labels[i] == cls) {
                sx += i % width;
                sy += Math.floorDiv(i, width);
                n++;
            }
        }
        double cx = sx / n;
        double cy = sy / n;
        int best = -1;
        double bestD = Double.MAX_VALUE;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == cls && labels[i] == cls) {
                double dx = i % width - cx;
                double dy = Math.floorDiv(i, width) - cy;
                double d = dx * dx + dy * dy;
                if (d < bestD) {
                    bestD = d;
                    best = i;
                }
            }
        }
        return new int[] {best % width, best / width};
    }

    // ---- output --------------------------------------------------------------------------------

    private void printTable(List<Run> runs, Map<ModelKind, DemoEvaluation.Result> results,
            Map<ModelKind, Parity> parity, Map<ModelKind, Double> trainerMs) {
        PrintWriter o = out();
        boolean trainer = !trainerMs.isEmpty();
        o.printf(Locale.ROOT, "%-14s  %9s  %10s  %12s  %10s  %11s%s  %s%n", "model", "test mIoU", "prototypes", "protos/group",
                "latency ms", "evidence ms", trainer ? String.format(Locale.ROOT, "  %10s  %8s", "trainer ms", "speed-up") : "",
                "parity (rel. logit diff, identical mask pixels)");
        for (Run r : runs) {
            DemoEvaluation.Result e = results.get(r.kind);
            Parity p = parity.get(r.kind);
            String extra = "";
            if (trainer) {
                double t = trainerMs.getOrDefault(r.kind, Double.NaN);
                extra = String.format(Locale.ROOT, "  %10s  %8s", DemoReport.ms(t), Double.isNaN(t) ? "-"
                        : String.format(Locale.ROOT, "%.2fx", t / e.latencyMs()));
            }
            o.printf(Locale.ROOT, "%-14s  %9.4f  %10s  %12s  %10.2f  %11s%s  %s%n", r.id(), e.meanIou(),
                    r.kind.hasPrototypes() ? String.valueOf(e.prototypes()) : "-",
                    r.kind.hasGroups() ? String.format(Locale.ROOT, "%.2f", e.prototypesPerGroup()) : "-", e.latencyMs(),
                    DemoReport.ms(e.evidenceLatencyMs()), extra, p == null ? "-" : p.brief());
        }
    }

    private void writeSummary(Scenes spec, List<Run> runs, Map<ModelKind, DemoEvaluation.Result> results,
            Map<ModelKind, Parity> parity, Map<ModelKind, Double> trainerMs, double factor, int threads) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", spec);
        m.put("minutes", minutes);
        m.put("scheduleFactor", factor);
        m.put("threads", threads);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Run r : runs) {
            DemoEvaluation.Result e = results.get(r.kind);
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("model", r.id());
            x.put("file", abs(e.model()).toString());
            x.put("updates", DemoPlan.updates(r.config));
            x.put("stepsPerPhase", DemoPlan.phaseSteps(r.config));
            x.put("trainingSeconds", r.trainingSeconds);
            x.put("testMeanIou", e.meanIou());
            x.put("testPixelAccuracy", e.pixelAccuracy());
            Map<String, Double> perClass = new LinkedHashMap<>();
            for (ModelCard.ClassInfo c : e.card().classes()) {
                double v = c.id() < e.classIou().length ? e.classIou()[c.id()] : Double.NaN;
                perClass.put(c.name(), Double.isNaN(v) ? null : v);
            }
            x.put("testClassIou", perClass);
            x.put("prototypes", r.kind.hasPrototypes() ? e.prototypes() : null);
            x.put("prototypesPerGroup", r.kind.hasGroups() ? e.prototypesPerGroup() : null);
            x.put("latencyMs", e.latencyMs());
            x.put("evidenceLatencyMs", Double.isNaN(e.evidenceLatencyMs()) ? null : e.evidenceLatencyMs());
            if (trainerMs.containsKey(r.kind)) {
                x.put("trainerEagerMs", trainerMs.get(r.kind));
            }
            x.put("parity", parity.get(r.kind));
            list.add(x);
        }
        m.put("models", list);
        m.put("wallSeconds", elapsedMs() / 1000);
        Files.writeString(out.resolve(SUMMARY), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(m) + System.lineSeparator());
    }

    /** The training seconds an earlier demo recorded per model (demo.json), for reused runs. */
    private Map<String, Double> earlierTrainingSeconds() {
        Map<String, Double> m = new LinkedHashMap<>();
        Path file = out.resolve(SUMMARY);
        if (!Files.isRegularFile(file)) {
            return m;
        }
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            for (JsonNode x : n.path("models")) {
                if (x.path("trainingSeconds").isNumber()) {
                    m.put(x.path("model").asText(), x.path("trainingSeconds").asDouble());
                }
            }
        } catch (IOException e) {
            // an unreadable summary only loses the earlier training times
        }
        return m;
    }

    /** The thread count an earlier demo in OUT used (demo.json), or null. */
    private Integer earlierThreads() {
        Path file = out.resolve(SUMMARY);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile()).path("threads");
            return n.isInt() ? n.asInt() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void log(String text) {
        lines.line(text);
    }

    static int[] parseSize(String text) {
        String[] wh = text.strip().toLowerCase(Locale.ROOT).split("x");
        try {
            if (wh.length == 2) {
                int w = Integer.parseInt(wh[0].strip());
                int h = Integer.parseInt(wh[1].strip());
                if (w >= 32 && h >= 24 && (long) w * h <= 4096L * 4096L) {
                    return new int[] {w, h};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError("--image-size " + text + ": expected WxH with W >= 32 and H >= 24, e.g. 128x96");
    }

    static String minutesText(double m) {
        return m == Math.rint(m) ? String.format(Locale.ROOT, "%.0f min", m) : String.format(Locale.ROOT, "%.2f min", m);
    }

    private static String listOrNone(List<String> l) {
        return l.isEmpty() ? "none" : String.join(", ", l);
    }

    private static Path abs(Path p) {
        return p.toAbsolutePath().normalize();
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
