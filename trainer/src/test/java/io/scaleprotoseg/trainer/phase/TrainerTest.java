package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.ForwardingDataset;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.model.ParameterSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short stage-1 runs on the built-in scenes: learning, resume equivalence, non-finite updates. */
class TrainerTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        System.setProperty("ai.djl.offline", "true");
    }

    private static final Scenes SCENES = Scenes.defaults().withCounts(32, 12, 2);

    @Test
    void aShortScenesRunLowersTheLossAndRisesClearlyAboveChance() throws Exception {
        TrainingConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).withSteps(20, 140, 20).withIntervals(0, 1000, 12)
                .withStageTwo(0, 0, 1e-2, 0.5, 1e-3, 0.05);
        List<Double> ce = new ArrayList<>();
        Trainer t = new Trainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL), dir,
                new TrainingListener() {
                    @Override
                    public void stepFinished(Phase phase, int step, int total, Map<String, Double> values) {
                        if (phase != Phase.FINETUNE) {
                            ce.add(values.get("ce"));
                        }
                    }
                }, null);
        Trainer.Result r = t.run(false);
        double first = ce.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = ce.subList(ce.size() - 20, ce.size()).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(last < 0.8 * first, "cross-entropy fell from " + first + " to " + last);
        // 7 classes: a constant prediction of the largest class gives mIoU below 0.05
        assertTrue(r.validation().meanIou() > 0.3, "validation mIoU " + r.validation().meanIou());
        assertEquals(cfg.network().numPrototypes() - r.projection().removedDuplicates().size(), r.prototypes());
        assertTrue(Files.isRegularFile(r.checkpoint()));
        assertTrue(Files.readAllLines(dir.resolve("metrics.jsonl")).stream().anyMatch(l -> l.contains("\"valMiou\"")));
    }

    /** Thrown by a listener to stop a run as if the process were killed. */
    private static final class Killed extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void resumingAfterAKillEndsWhereAnUninterruptedRunEnds() throws Exception {
        TrainingConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).withSteps(6, 16, 6).withIntervals(0, 5, 4)
                .withStageTwo(3, 6, 1e-2, 0.5, 1e-3, 0.05);
        // collections during training, as in any long run: tensors whose memory a collected Java
        // buffer backed once made the backward pass read freed memory (see OwnedTensors), and only
        // a busy collector makes that visible
        Thread collector = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "gc-pressure");
        collector.setDaemon(true);
        collector.start();
        try {
            Path straight = dir.resolve("straight");
            new Trainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL), straight, null, null).run(false);

            Path resumed = dir.resolve("resumed");
            TrainingListener killer = new TrainingListener() {
                @Override
                public void stepFinished(Phase phase, int step, int total, Map<String, Double> values) {
                    if (phase == Phase.JOINT && step == 12) {
                        throw new Killed();
                    }
                }
            };
            Trainer first = new Trainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL), resumed,
                    killer, null);
            assertThrows(Killed.class, () -> first.run(false));
            assertTrue(Files.isRegularFile(first.runDirectory().last()), "a checkpoint survives the kill");
            // what a kill during a checkpoint write leaves
            Path stale = resumed.resolve("checkpoints").resolve("last.ckpt8121977.tmp");
            Files.write(stale, new byte[] {1, 2, 3});
            List<String> messages = new ArrayList<>();
            new Trainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL), resumed, new TrainingListener() {
                @Override
                public void message(String text) {
                    messages.add(text);
                }
            }, null).run(true);

            for (String stage : List.of("stage1.ckpt", "stage2.ckpt")) {
                assertSameParameters(straight.resolve("checkpoints").resolve(stage), resumed.resolve("checkpoints").resolve(stage));
                assertEquals(sha256(straight.resolve("checkpoints").resolve(stage)), sha256(resumed.resolve("checkpoints").resolve(stage)),
                        stage + ": the very same bytes");
            }
            assertEquals(Files.readString(straight.resolve("metrics.jsonl")), Files.readString(resumed.resolve("metrics.jsonl")),
                    "no update logged twice");
            assertFalse(Files.exists(stale), "the stale temporary is gone");
            assertTrue(messages.stream().anyMatch(m -> m.contains("last.ckpt8121977.tmp")), messages.toString());
            assertTrue(messages.stream().anyMatch(m -> m.contains("metrics log cut back")), messages.toString());
        } finally {
            collector.interrupt();
        }
    }

    /**
     * The training split, but once {@link #arm} is called the next {@code times} samples handed out
     * have NaN pixels: a stand-in for a spurious non-finite result of a kernel.
     */
    private static final class Faulty extends ForwardingDataset {
        private final AtomicInteger faults = new AtomicInteger();

        Faulty(SegmentationDataset d) {
            super(d);
        }

        void arm(int times) {
            faults.set(times);
        }

        @Override
        public Sample get(int index) throws DatasetException {
            Sample s = super.get(index);
            if (faults.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                float[] nan = s.image().clone();
                Arrays.fill(nan, Float.NaN);
                return new Sample(s.id(), s.width(), s.height(), nan, s.labels(), s.parts());
            }
            return s;
        }
    }

    private static TrainingListener armAtJoint(Faulty data, int times) {
        return new TrainingListener() {
            @Override
            public void phaseStarted(Phase phase, int step, int total) {
                if (phase == Phase.JOINT) {
                    data.arm(times);
                }
            }
        };
    }

    @Test
    void anUpdateWithATransientNonFiniteLossIsComputedAgainAndTheRunIsUnchanged() throws Exception {
        TrainingConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).withSteps(2, 4, 0).withIntervals(0, 100, 2)
                .withStageTwo(0, 0, 1e-2, 0.5, 1e-3, 0.05);
        Path clean = dir.resolve("clean");
        new Trainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL), clean, null, null).run(false);
        Faulty faulty = new Faulty(SCENES.dataset(Split.TRAIN));
        Path recomputed = dir.resolve("recomputed");
        new Trainer(cfg, faulty, SCENES.dataset(Split.VAL), recomputed, armAtJoint(faulty, 1), null).run(false);
        List<String> joint1 = Files.readAllLines(recomputed.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"phase\":\"joint\",\"step\":1,")).toList();
        assertEquals(1, joint1.size(), joint1.toString());
        assertTrue(joint1.get(0).contains("\"recomputed\":1") && !joint1.get(0).contains("skipped"), joint1.get(0));
        assertSameParameters(clean.resolve("checkpoints").resolve("stage1.ckpt"),
                recomputed.resolve("checkpoints").resolve("stage1.ckpt"));
    }

    @Test
    void updatesThatStayNonFiniteAreSkippedAndFiveInARowStopTheRun() throws Exception {
        TrainingConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).withSteps(1, 8, 0).withIntervals(0, 100, 2)
                .withStageTwo(0, 0, 1e-2, 0.5, 1e-3, 0.05);
        Faulty faulty = new Faulty(SCENES.dataset(Split.TRAIN));
        List<String> messages = new ArrayList<>();
        TrainingListener arm = armAtJoint(faulty, Integer.MAX_VALUE);
        TrainingListener listener = new TrainingListener() {
            @Override
            public void phaseStarted(Phase phase, int step, int total) {
                arm.phaseStarted(phase, step, total);
            }

            @Override
            public void message(String text) {
                messages.add(text);
            }
        };
        TrainingException e = assertThrows(TrainingException.class,
                () -> new Trainer(cfg, faulty, SCENES.dataset(Split.VAL), dir, listener, null).run(false));
        assertTrue(e.getMessage().contains("training diverged in phase JOINT at update 5")
                && e.getMessage().contains("non-finite loss") && e.getMessage().contains("lower the learning rates"),
                e.getMessage());
        assertEquals(ErrorCode.TRAINING_FAILED, e.code());
        assertEquals(5, messages.stream().filter(m -> m.contains("update skipped")).count(), messages.toString());
        long skipped = Files.readAllLines(dir.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"skipped\":true")).count();
        assertEquals(4, skipped, "the fifth stops the run before it is logged");
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /**
     * Bit-identical parameters. With one PyTorch thread (the surefire setting) the CPU kernels are
     * deterministic, batches are a pure function of (seed, sample number) and the checkpoint holds
     * all optimiser state, so any difference at all is a bug: a lost or repeated step, moments not
     * restored, a restarted schedule, or memory that changed under the run. (Checked by breaking
     * the resume on purpose: dropping Adam's moments or skipping one step moves backbone weights
     * by 3e-5 to 7e-5 and changes how many prototypes survive projection.)
     */
    private static void assertSameParameters(Path first, Path second) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); ParameterSet a = new ParameterSet(m); ParameterSet b = new ParameterSet(m)) {
            Checkpoint.read(first, a, null);
            Checkpoint.read(second, b, null);
            assertEquals(a.names(), b.names());
            for (String n : a.names()) {
                assertEquals(a.group(n), b.group(n), n);
                float[] x = a.floats(n);
                float[] y = b.floats(n);
                assertEquals(x.length, y.length, n);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(x[i], y[i], n + "[" + i + "] (" + first.getFileName() + ")");
                }
            }
        }
    }
}
