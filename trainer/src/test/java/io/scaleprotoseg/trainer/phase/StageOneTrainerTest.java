package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.model.ParameterSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short stage-1 runs on the built-in scenes: learning, and resume equivalence. */
class StageOneTrainerTest {
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
        StageOneTrainer t = new StageOneTrainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL), dir,
                new TrainingListener() {
                    @Override
                    public void stepFinished(Phase phase, int step, int total, Map<String, Double> values) {
                        if (phase != Phase.FINETUNE) {
                            ce.add(values.get("ce"));
                        }
                    }
                }, null);
        StageOneTrainer.Result r = t.run(false);
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
            new StageOneTrainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL), straight, null, null).run(false);

            Path resumed = dir.resolve("resumed");
            TrainingListener killer = new TrainingListener() {
                @Override
                public void stepFinished(Phase phase, int step, int total, Map<String, Double> values) {
                    if (phase == Phase.JOINT && step == 12) {
                        throw new Killed();
                    }
                }
            };
            StageOneTrainer first = new StageOneTrainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL), resumed,
                    killer, null);
            assertThrows(Killed.class, () -> first.run(false));
            assertTrue(Files.isRegularFile(first.lastCheckpoint()), "a checkpoint survives the kill");
            new StageOneTrainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL), resumed, null, null).run(true);

            for (String stage : List.of("stage1.ckpt", "stage2.ckpt")) {
                assertSameParameters(straight.resolve("checkpoints").resolve(stage), resumed.resolve("checkpoints").resolve(stage));
            }
        } finally {
            collector.interrupt();
        }
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
