package io.scaleprotoseg.trainer.phase;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.checkpoint.CheckpointException;
import io.scaleprotoseg.trainer.checkpoint.CheckpointState;
import io.scaleprotoseg.trainer.checkpoint.RunDirectory;
import io.scaleprotoseg.trainer.data.Augmentation;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.imports.ReferenceModel;
import io.scaleprotoseg.trainer.model.ImageNetWeights;
import io.scaleprotoseg.trainer.model.Initialization;
import io.scaleprotoseg.trainer.model.OwnedTensors;
import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.model.WeightFileException;
import io.scaleprotoseg.trainer.optim.Adam;
import io.scaleprotoseg.trainer.random.SeedStreams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One training run, through every phase its configuration has (METHOD.md 3-4): stage 1 (warm-up,
 * joint training with poly rates, projection, last-layer fine-tune; for ProtoSeg also pruning and
 * a second fine-tune; for the DeepLabv2 baseline warm-up and joint only), then for ScaleProtoSeg
 * stage 2 (group warm-up, group joint training, thresholding). The schedule is a
 * {@link PhaseSchedule}; each update minimises a {@link StageObjective}.
 *
 * <p>A run lives in a {@link RunDirectory}: {@code checkpoints/last.ckpt} (every
 * {@code checkpointEvery} updates and at each phase end, atomically), {@code checkpoints/best.ckpt}
 * (best validation mIoU so far), {@code checkpoints/stage1.ckpt} and {@code stage2.ckpt} (the
 * finished stages), {@code metrics.jsonl}. {@link #run(boolean)} with resume continues from {@code last.ckpt} to the
 * same result as an uninterrupted run: initial weights, batches and augmentation are pure
 * functions of the seed and the update number, and the optimiser state is in the checkpoint.
 * Each phase starts with a fresh optimiser state, as separate optimisers per phase would.
 *
 * <p>Not thread-safe; one instance per run.
 */
public final class Trainer {
    private final TrainingConfig cfg;
    private final PhaseSchedule schedule;
    private final SegmentationDataset train;
    private final SegmentationDataset val;
    private final RunDirectory runDir;
    private final TrainingListener listener;
    private final Path imagenetWeights;

    private Phase phase = Phase.WARMUP;
    private int phaseStep;
    private double bestMiou = -1;
    private ProjectionResult projection;
    private List<Integer> inactive = List.of();
    private int skippedInARow;
    /** Consecutive non-finite updates after which a run is declared diverged. */
    static final int MAX_SKIPPED = 5;
    /**
     * How often an update with a non-finite loss or gradient is computed again, from the same
     * batches, before it is skipped. A spurious NaN from a CPU kernel (oneDNN's AVX-512
     * convolutions of narrow layers did that, see {@code OneDnnIsa}, which now avoids them) is not
     * reproducible, and computing the update again gives its true gradient, so the run stays a
     * pure function of its seed; a NaN that persists is a real numerical problem and the update is
     * skipped.
     */
    static final int RECOMPUTATIONS = 1;
    /** Training crops the frozen batch norm of a randomly initialised backbone is calibrated on. */
    static final int CALIBRATION_IMAGES = 16;
    /** Bytes of one layer output of a calibration micro-batch (its float64 statistics take twice that). */
    static final long CALIBRATION_CHUNK_BYTES = 64L << 20;
    private List<Integer> pruned = List.of();
    private final Map<Integer, byte[]> patches = new LinkedHashMap<>();
    private CheckpointState.Validation lastValidation;
    private Device device;
    private Path stageOneSource;
    private ReferenceModel reference;
    private Phase collapseWarned;
    private boolean referenceNewGroups;
    /** The open metrics log of {@link #run}, whose length each checkpoint records. */
    private MetricsLog log;
    /** Where update time goes ({@link #profile}); a private one nobody reads when none was given. */
    private StepProfile profile = new StepProfile(Phase.DONE, 0);

    /**
     * @param imagenetWeights torchvision-layout backbone weights, or null for random initialisation
     */
    public Trainer(TrainingConfig cfg, SegmentationDataset train, SegmentationDataset val, Path runDir,
            TrainingListener listener, Path imagenetWeights) {
        this.cfg = cfg;
        this.schedule = new PhaseSchedule(cfg);
        this.train = train;
        this.val = val;
        this.runDir = new RunDirectory(runDir);
        this.listener = listener == null ? TrainingListener.NONE : listener;
        this.imagenetWeights = imagenetWeights;
        if (train.labels().numClasses() != cfg.network().numClasses()) {
            throw new IllegalArgumentException("the data " + train.name() + " has " + train.labels().numClasses()
                    + " classes but the network is configured for " + cfg.network().numClasses());
        }
    }

    /**
     * Runs on {@code device} (default: the engine's default device, the CPU with the bundled
     * PyTorch natives). Returns this.
     */
    public Trainer device(Device d) {
        this.device = d;
        return this;
    }

    /**
     * Starts stage 2 from a finished stage-1 checkpoint (of a run with the same network) instead of
     * training stage 1; ignored when resuming. Returns this.
     */
    public Trainer startFrom(Path stageOneCheckpoint) {
        this.stageOneSource = stageOneCheckpoint;
        return this;
    }

    /**
     * Starts from a model of the reference implementation instead of random weights; ignored when
     * resuming. The configuration's network must be the model's ({@link ReferenceModel#network()}).
     * With {@code newGroups} (a ScaleProtoSeg stage-1 model) stage 1 is skipped and stage 2 learns new
     * groups; otherwise a group model continues stage 2 with its groups, and a stage-1 or ProtoSeg model
     * starts stage 1 from its weights (no batch-norm calibration). Returns this.
     */
    public Trainer startFrom(ReferenceModel model, boolean newGroups) {
        this.reference = model;
        this.referenceNewGroups = newGroups;
        return this;
    }

    /**
     * Records where the time of each update goes into {@code p} (for benchmarks; costs two clock
     * reads per part). Returns this.
     */
    public Trainer profile(StepProfile p) {
        this.profile = p;
        return this;
    }

    /** The run's directory and its layout. */
    public RunDirectory runDirectory() {
        return runDir;
    }

    /** What a finished stage reports. */
    public record Result(Path checkpoint, Evaluator.Result validation, int prototypes, ProjectionResult projection,
            List<Integer> pruned) {
    }

    /**
     * Trains, or with {@code resume} continues from {@code checkpoints/last.ckpt}, first cutting the
     * metrics log back to what that checkpoint saw and removing temporary files of interrupted
     * checkpoint writes.
     *
     * @throws TrainingException for bad data, weight files or checkpoints, each naming the file
     */
    public Result run(boolean resume) throws TrainingException {
        ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "scaleprotoseg-data");
            t.setDaemon(true);
            return t;
        });
        try {
            prepareDirectory(resume);
        } catch (IOException e) {
            workers.shutdownNow();
            throw new TrainingException("run directory " + runDir.root() + ": " + e.getMessage(), e);
        }
        try (NDManager base = device == null ? NDManager.newBaseManager() : NDManager.newBaseManager(device);
                ParameterSet params = new ParameterSet(base);
                Adam adam = new Adam(base);
                MetricsLog log = new MetricsLog(runDir.metrics())) {
            this.log = log;
            JniUtils.setGradMode(false);
            SegmentationNetwork net;
            if (resume && Files.isRegularFile(runDir.last())) {
                net = restore(runDir.last(), params, adam);
                listener.message("resumed from " + runDir.last() + " at " + phase + " step " + phaseStep);
            } else if (reference != null) {
                net = startFromReference(params);
            } else if (stageOneSource != null) {
                net = restore(stageOneSource, params, null);
                if (phase != Phase.DONE || params.contains(SegmentationNetwork.GROUP_WEIGHTS) || !cfg.hasStageTwo()) {
                    throw new TrainingException("checkpoint " + stageOneSource + " is not a finished stage 1 of a "
                            + "scaleprotoseg run (phase " + phase + "); stage 2 starts from checkpoints/stage1.ckpt");
                }
                Files.createDirectories(runDir.root());
                Files.writeString(runDir.config(), Checkpoint.json().writeValueAsString(cfg));
                GroupLayer.create(net, cfg.network().groupsPerClass(), cfg.seed());
                phase = Phase.GROUP_WARMUP;
                phaseStep = 0;
                listener.message("stage 2 starts from " + stageOneSource);
            } else {
                if (resume) {
                    listener.message("no checkpoint in " + runDir + "; starting a new run");
                }
                Initialization.create(cfg.network(), params, cfg.seed());
                if (imagenetWeights != null) {
                    ImageNetWeights.load(imagenetWeights, cfg.network(), params);
                }
                net = new SegmentationNetwork(cfg.network(), params, PrototypeTable.initial(cfg.network()));
                if (imagenetWeights == null) {
                    calibrateBatchNorm(net, workers, base);
                }
                Files.createDirectories(runDir.root());
                Files.writeString(runDir.config(), Checkpoint.json().writeValueAsString(cfg));
            }
            BatchSource source = new BatchSource(train, new Augmentation(cfg.minScale(), cfg.maxScale(), cfg.crop(),
                    cfg.crop(), 0.5, train.labels().ignoreLabel()), cfg.seed(), workers);
            while (phase != Phase.DONE) {
                switch (phase) {
                    case WARMUP:
                    case JOINT:
                    case FINETUNE:
                    case FINETUNE_AFTER_PRUNE:
                    case GROUP_WARMUP:
                    case GROUP_JOINT:
                        trainPhase(net, adam, source, log, base);
                        break;
                    case THRESHOLD:
                        listener.phaseStarted(phase, 0, 1);
                        inactive = GroupLayer.threshold(net, cfg.threshold());
                        listener.message("threshold " + cfg.threshold() + ": " + (net.prototypes().size() - inactive.size())
                                + " of " + net.prototypes().size() + " prototypes in use, " + inactive.size() + " inactive");
                        advance(adam, net);
                        break;
                    case PROJECTION:
                        listener.phaseStarted(phase, 0, 1);
                        patches.clear();
                        projection = Projection.run(net, train, base, patches);
                        listener.message("projection: " + net.prototypes().size() + " prototypes, "
                                + projection.removedDuplicates().size() + " duplicates removed, "
                                + projection.unprojected().size() + " without training cells of their class"
                                + unprojectedDetail(net.prototypes()));
                        evaluate(net, log, base, adam);
                        advance(adam, net);
                        break;
                    case PRUNE:
                        listener.phaseStarted(phase, 0, 1);
                        Pruning.Outcome outcome = Pruning.run(net, train, cfg.pruneK(), cfg.pruneThreshold(),
                                train.labels().ignoreLabel(), base);
                        pruned = outcome.pruned();
                        patches.keySet().retainAll(idsOf(net.prototypes()));
                        listener.message("pruning removed " + pruned.size() + " prototypes; " + net.prototypes().size() + " left");
                        for (Pruning.Spared s : outcome.spared()) {
                            listener.message("warning: pruning would have left class " + train.labels().classes().get(s.classId())
                                    .name() + " without prototypes; kept its prototype " + s.prototypeId() + " (" + s.ownOfNearest()
                                    + " of its " + cfg.pruneK() + " nearest training cells carry the class, fewer than the "
                                    + cfg.pruneThreshold() + " the rule asks): the class is poorly learned; train longer or "
                                    + "check its labels");
                        }
                        advance(adam, net);
                        break;
                    default:
                        throw new IllegalStateException("unexpected phase " + phase);
                }
                save(runDir.last(), net, adam);
            }
            Evaluator.Result result = evaluate(net, log, base, null);
            Path done = runDir.finalCheckpoint(cfg);
            save(done, net, null);
            return new Result(done, result, net.prototypes().size() - inactive.size(), projection, pruned);
        } catch (IOException e) {
            throw new TrainingException("run directory " + runDir + ": " + e.getMessage(), e);
        } catch (DatasetException | WeightFileException e) {
            throw new TrainingException(e.code(), e.getMessage(), e);
        } finally {
            workers.shutdownNow();
        }
    }

    /** Before the log opens: stale temporaries removed; on resume, the log cut back to the checkpoint's length. */
    private void prepareDirectory(boolean resume) throws IOException, TrainingException {
        List<String> stale = runDir.removeStaleTemporaries();
        if (!stale.isEmpty()) {
            listener.message("removed " + String.join(", ", stale) + ", left by an interrupted checkpoint write");
        }
        if (resume && Files.isRegularFile(runDir.last())) {
            long keep;
            try {
                keep = Checkpoint.readState(runDir.last()).metricsBytes();
            } catch (CheckpointException e) {
                throw new TrainingException(e.code(), e.getMessage() + "; delete it to start over", e);
            }
            if (keep > 0) {
                long cut = MetricsLog.truncate(runDir.metrics(), keep);
                if (cut > 0) {
                    listener.message("metrics log cut back by " + cut + " bytes to what " + runDir.last().getFileName()
                            + " saw (those updates run again)");
                }
            }
        }
    }

    /** Frozen batch-norm statistics from a batch of training crops (random initialisation only). */
    private void calibrateBatchNorm(SegmentationNetwork net, ExecutorService workers, NDManager base) throws DatasetException {
        BatchSource calibration = new BatchSource(train, new Augmentation(cfg.minScale(), cfg.maxScale(), cfg.crop(), cfg.crop(),
                0.5, train.labels().ignoreLabel()), SeedStreams.key(cfg.seed(), "batch-norm-calibration"), workers);
        BatchSource.Batch b = calibration.batch(0, Math.max(CALIBRATION_IMAGES, cfg.batchSize()));
        JniUtils.setGradMode(false);
        try (NDManager m = base.newSubManager()) {
            // micro-batches of as many crops as keep one layer output of a micro-batch within 64 MB
            long widest = 4 * MemoryEstimate.widestActivation(cfg.network(), cfg.crop());
            int microBatch = (int) Math.max(1, Math.min(b.size(), CALIBRATION_CHUNK_BYTES / Math.max(1, widest)));
            net.calibrateBatchNorm(m.create(b.pixels(), new Shape(b.size(), 3, b.height(), b.width())), microBatch);
        }
        listener.message("frozen batch norm calibrated on " + b.size() + " training crops (no ImageNet weights given)");
    }

    /**
     * Names the prototypes that projection left as they were (their class has no labelled cell in
     * the training split, METHOD.md 4), with their classes; empty when there are none.
     */
    private String unprojectedDetail(PrototypeTable t) {
        if (projection.unprojected().isEmpty()) {
            return "";
        }
        Set<String> classes = new TreeSet<>();
        for (int j = 0; j < t.size(); j++) {
            if (projection.unprojected().contains(t.ids()[j])) {
                classes.add(train.labels().classes().get(t.classes()[j]).name());
            }
        }
        return " (prototypes " + projection.unprojected() + " of " + String.join(", ", classes)
                + " keep their trained vectors and have no source patch)";
    }

    private static List<Integer> idsOf(PrototypeTable t) {
        List<Integer> ids = new ArrayList<>();
        for (int id : t.ids()) {
            ids.add(id);
        }
        return ids;
    }

    private void trainPhase(SegmentationNetwork net, Adam adam, BatchSource source, MetricsLog log, NDManager base)
            throws DatasetException, IOException, TrainingException {
        int total = schedule.steps(phase);
        listener.phaseStarted(phase, phaseStep, total);
        net.params().setTrainable(schedule.trainable(phase));
        boolean groupPhase = phase == Phase.GROUP_WARMUP || phase == Phase.GROUP_JOINT;
        StageObjective objective = new StageObjective(StageObjective.of(phase, cfg), cfg, train.labels().ignoreLabel());
        int perUpdate = cfg.batchSize() * cfg.iterationSize();
        while (phaseStep < total) {
            int step = phaseStep;
            long started = System.nanoTime();
            long update = schedule.updatesBefore(phase) + step;
            // an update whose loss or gradient is not finite is computed again from the same batches
            // before it is given up (see RECOMPUTATIONS)
            Map<String, Double> terms = null;
            String nonFinite = null;
            int recomputed = 0;
            for (int attempt = 0; attempt <= RECOMPUTATIONS; attempt++) {
                recomputed = attempt;
                terms = accumulateGradients(net, objective, source, update * perUpdate, step == total - 1, base);
                long optimiser = System.nanoTime();
                boolean stepped = false;
                if (terms == null) {
                    nonFinite = "loss";
                    Adam.zeroGradients(net.params());
                } else if (adam.step(net.params(), g -> schedule.learningRate(phase, g, step), (float) cfg.weightDecay(),
                        1f / cfg.iterationSize())) {
                    nonFinite = null;
                    stepped = true;
                } else {
                    nonFinite = "gradient of " + adam.lastNonFinite();
                }
                profile.add(StepProfile.Part.OPTIMISER, System.nanoTime() - optimiser);
                if (stepped) {
                    break;
                }
            }
            if (nonFinite == null) {
                skippedInARow = 0;
            } else {
                // a non-finite update is skipped (its gradients dropped) rather than poisoning the weights;
                // several in a row mean the run has diverged. A skipped update's terms are not logged.
                terms = Map.of();
                skippedInARow++;
                listener.message("phase " + phase + " update " + (step + 1) + ": non-finite " + nonFinite + " (also when "
                        + "computed again), update skipped");
                if (skippedInARow >= MAX_SKIPPED) {
                    throw new TrainingException("training diverged in phase " + phase + " at update " + (step + 1) + ": "
                            + MAX_SKIPPED + " updates in a row had a non-finite " + (nonFinite.equals("loss") ? "loss"
                            : "gradient") + "; lower the learning rates (--lr-backbone, --lr-head) or resume from an"
                            + " earlier checkpoint");
                }
            }
            long bookkeeping = System.nanoTime();
            if (groupPhase) {
                GroupLayer.project(net, cfg.network().groupsPerClass());
            }
            phaseStep++;
            Map<String, Double> values = new LinkedHashMap<>(terms);
            values.put("lr", schedule.learningRate(phase, groupPhase ? ParamGroup.GROUP_WEIGHTS
                    : objective.kind() == StageObjective.Kind.FINETUNE ? ParamGroup.LAST_LAYER : ParamGroup.ASPP_WEIGHT, step));
            // the listener's callback and validation runs are not part of the update's profile
            long outside = System.nanoTime();
            listener.stepFinished(phase, phaseStep, total, values);
            long excluded = System.nanoTime() - outside;
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("phase", phase.name().toLowerCase(Locale.ROOT));
            record.put("step", phaseStep);
            record.put("update", update + 1);
            record.putAll(values);
            if (recomputed > 0 && nonFinite == null) {
                record.put("recomputed", recomputed);
            }
            if (nonFinite != null) {
                record.put("skipped", true);
            }
            log.write(record);
            if (cfg.evalEvery() > 0 && phaseStep % cfg.evalEvery() == 0 && phaseStep < total) {
                outside = System.nanoTime();
                evaluate(net, log, base, adam);
                excluded += System.nanoTime() - outside;
            }
            if (phaseStep % cfg.checkpointEvery() == 0 && phaseStep < total) {
                save(runDir.last(), net, adam);
            }
            long ended = System.nanoTime();
            profile.add(StepProfile.Part.BOOKKEEPING, ended - bookkeeping - excluded);
            profile.endUpdate(phase, ended - started - excluded);
        }
        evaluate(net, log, base, adam);
        advance(adam, net);
    }

    /**
     * Runs the forward and backward passes of one update's micro-batches (run samples from
     * {@code firstSample} on), accumulating the gradients; returns each term's mean over the
     * micro-batches, or null as soon as a micro-batch's total is not finite. With {@code lastOfPhase} the
     * batch after the update is not prefetched.
     */
    private Map<String, Double> accumulateGradients(SegmentationNetwork net, StageObjective objective, BatchSource source,
            long firstSample, boolean lastOfPhase, NDManager base) throws DatasetException {
        Map<String, Double> terms = new LinkedHashMap<>();
        try (NDManager stepManager = base.newSubManager()) {
            for (int micro = 0; micro < cfg.iterationSize(); micro++) {
                long t0 = System.nanoTime();
                long first = firstSample + (long) micro * cfg.batchSize();
                BatchSource.Batch b = source.batch(first, cfg.batchSize());
                // the next batch of the phase is augmented on the workers while this one trains (batches
                // are pure functions of the sample number, so this changes nothing but the wait); not
                // across a phase's end, after which projection or validation may come first
                if (!lastOfPhase || micro < cfg.iterationSize() - 1) {
                    source.prefetch(first + cfg.batchSize(), cfg.batchSize());
                }
                long t1 = System.nanoTime();
                profile.add(StepProfile.Part.DATA, t1 - t0);
                NDManager m = stepManager.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector();
                try {
                    NDArray x = OwnedTensors.of(m, b.pixels(), new Shape(b.size(), 3, b.height(), b.width()));
                    SegmentationNetwork.Outputs out = net.forward(x);
                    long t2 = System.nanoTime();
                    Map<Shape, int[]> grids = StageObjective.labelGrids(out, b.labels(), b.size(), b.width(), b.height());
                    long t3 = System.nanoTime();
                    StageObjective.Terms t = objective.compute(net, out, grids);
                    Map<String, Double> values = t.values();
                    long t4 = System.nanoTime();
                    profile.add(StepProfile.Part.FORWARD, t2 - t1);
                    profile.add(StepProfile.Part.LABELS, t3 - t2);
                    profile.add(StepProfile.Part.LOSS, t4 - t3);
                    if (!Double.isFinite(values.get(StageObjective.TOTAL))) {
                        return null;
                    }
                    gc.backward(t.total());
                    profile.add(StepProfile.Part.BACKWARD, System.nanoTime() - t4);
                    values.forEach((k, v) -> terms.merge(k, v / cfg.iterationSize(), Double::sum));
                } finally {
                    long r = System.nanoTime();
                    gc.close();
                    m.close();
                    profile.add(StepProfile.Part.RELEASE, System.nanoTime() - r);
                }
            }
        }
        return terms;
    }

    /** Moves to the next phase, with a fresh optimiser; entering stage 2 saves stage 1 and creates the groups. */
    private void advance(Adam adam, SegmentationNetwork net) throws IOException {
        boolean protoSeg = cfg.network().method() == ModelKind.PROTOSEG;
        switch (phase) {
            case WARMUP:
                phase = Phase.JOINT;
                break;
            case JOINT:
                phase = cfg.network().method().hasPrototypes() ? Phase.PROJECTION : Phase.DONE;
                break;
            case PROJECTION:
                phase = Phase.FINETUNE;
                break;
            case FINETUNE:
                if (protoSeg) {
                    phase = Phase.PRUNE;
                } else if (cfg.hasStageTwo()) {
                    phase = Phase.DONE;
                    save(runDir.stageOne(), net, null);
                    GroupLayer.create(net, cfg.network().groupsPerClass(), cfg.seed());
                    phase = Phase.GROUP_WARMUP;
                } else {
                    phase = Phase.DONE;
                }
                break;
            case GROUP_WARMUP:
                phase = Phase.GROUP_JOINT;
                break;
            case GROUP_JOINT:
                phase = Phase.THRESHOLD;
                break;
            case PRUNE:
                phase = Phase.FINETUNE_AFTER_PRUNE;
                break;
            default:
                phase = Phase.DONE;
        }
        phaseStep = 0;
        adam.clear();
    }

    private Evaluator.Result evaluate(SegmentationNetwork net, MetricsLog log, NDManager base, Adam adam)
            throws DatasetException, IOException {
        Evaluator.Result r = Evaluator.evaluate(net, val, cfg.valLimit(), base);
        listener.evaluated(phase, phaseStep, r);
        int collapsed = r.collapsedTo();
        // once per phase, and not in the warm-up, where the backbone is frozen and one class is a normal start
        if (collapsed >= 0 && train.labels().numClasses() > 1 && phase != Phase.WARMUP && phase != collapseWarned) {
            collapseWarned = phase;
            listener.message(String.format(Locale.ROOT, "warning: at %s %d the network predicts %s on %.1f%% of the validation "
                    + "pixels: it has not learned the other classes yet. If this persists, train longer (--joint-steps), raise "
                    + "--lr-backbone, or check the class shares with --dry-run", phase.name().toLowerCase(Locale.ROOT), phaseStep,
                    train.labels().classes().get(collapsed).name(), 100 * r.predictedShare()[collapsed]));
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("phase", phase.name().toLowerCase(Locale.ROOT));
        record.put("step", phaseStep);
        record.put("update", schedule.updatesBefore(phase) + phaseStep);
        record.put("valMiou", r.meanIou());
        record.put("valPixelAccuracy", r.pixelAccuracy());
        log.write(record);
        lastValidation = new CheckpointState.Validation(phase.name().toLowerCase(Locale.ROOT), phaseStep,
                schedule.updatesBefore(phase) + phaseStep, r.meanIou(), r.pixelAccuracy());
        if (r.meanIou() > bestMiou) {
            bestMiou = r.meanIou();
            if (adam != null) {
                save(runDir.best(), net, null);
            }
        }
        return r;
    }

    private void save(Path file, SegmentationNetwork net, Adam adam) throws IOException {
        CheckpointState state = new CheckpointState(Checkpoint.FORMAT_VERSION, cfg, phase, phaseStep, bestMiou, train.name(),
                train.labels(), net.prototypes(), projection, pruned, inactive,
                net.params().contains(SegmentationNetwork.GROUP_WEIGHTS) ? 2 : 1, lastValidation, Map.of(),
                log == null ? 0 : log.size());
        Map<String, byte[]> png = new TreeMap<>();
        patches.forEach((id, bytes) -> png.put(String.valueOf(id), bytes));
        Checkpoint.write(file, state, net.params(), adam, png);
    }

    /** The weights of a reference model, and the phase its kind starts in ({@link #startFrom(ReferenceModel, boolean)}). */
    private SegmentationNetwork startFromReference(ParameterSet params) throws TrainingException, IOException {
        String source = reference.file().getFileName().toString();
        if (!reference.network().sameNetwork(cfg.network())) {
            throw new IllegalArgumentException("the run's network differs from that of " + source);
        }
        boolean groups = reference.grouped() || referenceNewGroups;
        if (groups && !cfg.hasStageTwo()) {
            throw new TrainingException(source + " starts stage 2 (groups), but the settings give stage 2 no updates; set "
                    + "--group-warmup-steps or --group-joint-steps");
        }
        if (referenceNewGroups && (reference.grouped() || cfg.network().method() != ModelKind.SCALEPROTOSEG)) {
            throw new TrainingException(source + " is a " + reference.description() + "; stage 2 starts from a ScaleProtoSeg "
                    + "stage-1 model (use --init-from to train on from this one)");
        }
        reference.addTo(params, false);
        SegmentationNetwork net = new SegmentationNetwork(cfg.network(), params, reference.prototypes());
        Files.createDirectories(runDir.root());
        Files.writeString(runDir.config(), Checkpoint.json().writeValueAsString(cfg));
        if (referenceNewGroups) {
            GroupLayer.create(net, cfg.network().groupsPerClass(), cfg.seed());
        }
        phase = groups ? Phase.GROUP_WARMUP : Phase.WARMUP;
        phaseStep = 0;
        listener.message((groups ? "stage 2" : "stage 1") + " starts from the weights of " + source + " ("
                + reference.description() + ")" + (referenceNewGroups ? " with new groups" : ""));
        return net;
    }

    private SegmentationNetwork restore(Path file, ParameterSet params, Adam adam) throws TrainingException {
        try {
            Checkpoint.Contents c = Checkpoint.read(file, params, adam);
            CheckpointState s = c.state();
            phase = s.phase();
            phaseStep = s.phaseStep();
            bestMiou = s.bestMiou();
            projection = s.projection();
            pruned = s.pruned();
            inactive = s.inactivePrototypes();
            lastValidation = s.lastValidation();
            c.patches().forEach((id, bytes) -> patches.put(Integer.valueOf(id), bytes));
            if (!s.config().network().sameNetwork(cfg.network())) {
                throw new TrainingException("checkpoint " + file + " was made with another network ("
                        + s.config().network() + "); resume with the same preset and options, or use a new run directory");
            }
            return new SegmentationNetwork(cfg.network(), params, s.prototypes());
        } catch (CheckpointException e) {
            throw new TrainingException(e.code(), e.getMessage() + "; delete it to start over", e);
        }
    }
}
