package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.exporter.ExportException;
import io.scaleprotoseg.exporter.ModelExporter;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Parity;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.phase.Presets;
import io.scaleprotoseg.trainer.phase.Trainer;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Trained models of all three kinds export to ONNX files that ONNX Runtime runs with the trainer's
 * answers (the exporter's own parity check, whose figures land in the card), and a tampered
 * checkpoint is refused with the tensor's name.
 */
class ExportParityTest {
    private static final Scenes SCENES = Scenes.defaults().withCounts(12, 4, 2);

    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        System.setProperty("ai.djl.offline", "true");
    }

    private Path train(ModelKind kind) throws Exception {
        TrainingConfig cfg = Presets.get("scenes", kind).withSteps(3, 8, 3).withStageTwo(3, 6, 1e-2, 0.5, 1e-3, 0.05)
                .withIntervals(0, 1000, 2);
        Trainer t = new Trainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL),
                dir.resolve(kind.id()), null, null);
        return t.run(false).checkpoint();
    }

    @ParameterizedTest
    @EnumSource(ModelKind.class)
    void exportedModelsMatchTheTrainerAndCarryTheirParity(ModelKind kind) throws Exception {
        Path ckpt = train(kind);
        Path onnx = dir.resolve(kind.id() + ".onnx");
        ModelExporter.Report report = ModelExporter.export(ckpt, onnx, null, SCENES.dataset(Split.VAL), 4);
        assertTrue(report.parity().passed(), report.parity().describe());
        assertTrue(report.parity().relativeLogitDifference() <= Parity.RELATIVE_LOGIT_BOUND);
        assertTrue(report.parity().maskAgreement() >= Parity.MASK_AGREEMENT_BOUND);
        ModelCard card = ModelCard.read(onnx);
        assertEquals(kind, card.method());
        assertEquals(Scenes.LABELS.classes(), card.classes());
        assertEquals("4", card.provenance().notes().get("parity.images"));
        assertTrue(card.provenance().notes().containsKey("parity.relativeLogitDifference"));
        assertEquals(report.card(), card, "the card round-trips through the file");
        assertEquals(new ModelCard.TrainingResolution(96, 128, 96), card.trainingResolution(),
                "the scenes preset's crops and the validation images' size");
        Parity recorded = card.parity();
        assertEquals(report.parity().images(), recorded.images(), "the card records the figures measured");
        assertEquals(report.parity().relativeLogitDifference(), recorded.relativeLogitDifference(),
                1e-5 * report.parity().relativeLogitDifference());
        assertEquals(report.parity().maskAgreement(), recorded.maskAgreement(), 1e-6);
        try (Segmenter seg = Segmenter.builder().model(onnx).backend(Backend.ORT_CPU).build()) {
            var sample = SCENES.dataset(Split.VAL).get(0);
            var s = seg.segment(sample.image(), sample.width(), sample.height());
            if (kind.hasPrototypes()) {
                PixelExplanation e = s.explain(10, 10);
                double abs = e.groups().stream().mapToDouble(g -> Math.abs(g.contribution())).sum()
                        + e.prototypes().stream().mapToDouble(p -> Math.abs(p.contribution())).sum();
                assertEquals(e.logit(), e.contributionSum(), 1e-4 * abs);
                assertTrue(card.prototypes().stream().allMatch(p -> p.source() != null && p.patchPng() != null),
                        "every exported prototype carries its projection source and patch");
            }
            if (kind == ModelKind.SCALEPROTOSEG) {
                assertEquals(0.05, card.threshold());
                assertEquals(7 * 3, card.groups().size());
            }
        }
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".parity.onnx")), "no trial file left");
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelKind.class, names = {"SCALEPROTOSEG", "DEEPLABV2"})
    void multiScaleInputIsTrainedAndExportedWithParity(ModelKind kind) throws Exception {
        TrainingConfig base = Presets.get("scenes", kind).withSteps(3, 6, 3).withStageTwo(3, 4, 1e-2, 0.5, 1e-3, 0.05)
                .withIntervals(0, 1000, 2);
        var n = base.network();
        TrainingConfig cfg = base.withNetwork(new NetworkConfig(n.method(), n.depth(),
                n.widthDivisor(), n.numClasses(), n.dilations(), n.prototypesPerClass(), n.dim(), n.groupsPerClass(),
                List.of(0.5, 0.75)));
        Path ckpt = new Trainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL),
                dir.resolve("msc-" + kind.id()), null, null).run(false).checkpoint();
        Path onnx = dir.resolve("msc-" + kind.id() + ".onnx");
        ModelExporter.Report report = ModelExporter.export(ckpt, onnx, null, SCENES.dataset(Split.VAL), 3);
        assertTrue(report.parity().passed(), report.parity().toString());
        assertEquals(List.of(0.5, 0.75), ModelCard.read(onnx).mscScales());
    }

    @Test
    void aUNetBackboneIsTrainedAndExportedWithParity() throws Exception {
        TrainingConfig base = Presets.get("scenes", ModelKind.SCALEPROTOSEG).withSteps(2, 4, 2)
                .withStageTwo(2, 3, 1e-2, 0.5, 1e-3, 0.05).withIntervals(0, 1000, 2);
        var n = base.network();
        TrainingConfig cfg = base.withNetwork(new NetworkConfig(n.method(), n.depth(), 8,
                n.numClasses(), n.dilations(), n.prototypesPerClass(), n.dim(), n.groupsPerClass(), List.of(),
                NetworkConfig.UNET));
        Path ckpt = new Trainer(cfg, SCENES.dataset(Split.TRAIN), SCENES.dataset(Split.VAL), dir.resolve("unet"),
                null, null).run(false).checkpoint();
        Path onnx = dir.resolve("unet.onnx");
        ModelExporter.Report report = ModelExporter.export(ckpt, onnx, null, SCENES.dataset(Split.VAL), 2);
        assertTrue(report.parity().passed(), report.parity().toString());
        ModelCard card = ModelCard.read(onnx);
        assertEquals(1, card.outputStride(), "the U-Net keeps full resolution");
        try (Segmenter seg = Segmenter.builder().model(onnx).backend(Backend.ORT_CPU).build()) {
            var s = SCENES.dataset(Split.VAL).get(0);
            assertEquals(s.height(), seg.segment(s.image(), s.width(), s.height()).featureHeight());
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelKind.class, names = "PROTOSEG")
    void aTamperedCheckpointIsRefusedWithTheTensorsName(ModelKind kind) throws Exception {
        Path ckpt = train(kind);
        Path missing = dir.resolve("missing.ckpt");
        Path misshapen = dir.resolve("misshapen.ckpt");
        try (NDManager m = NDManager.newBaseManager(); ParameterSet p = new ParameterSet(m)) {
            Checkpoint.Contents c = Checkpoint.read(ckpt, p, null);
            p.remove("aspp.2.weight");
            Checkpoint.write(missing, c.state(), p, null, Map.of());
        }
        try (NDManager m = NDManager.newBaseManager(); ParameterSet p = new ParameterSet(m)) {
            Checkpoint.Contents c = Checkpoint.read(ckpt, p, null);
            p.replace("backbone.layer2.0.conv1.weight", new float[16 * 8], 16, 8, 1, 1);
            Checkpoint.write(misshapen, c.state(), p, null, Map.of());
        }
        ExportException a = assertThrows(ExportException.class,
                () -> ModelExporter.export(missing, dir.resolve("a.onnx"), null, SCENES.dataset(Split.VAL), 1));
        assertTrue(a.getMessage().contains("lacks tensor 'aspp.2.weight'"), a.getMessage());
        assertEquals(ErrorCode.EXPORT_FAILED, a.code());
        ExportException b = assertThrows(ExportException.class,
                () -> ModelExporter.export(misshapen, dir.resolve("b.onnx"), null, SCENES.dataset(Split.VAL), 1));
        assertTrue(b.getMessage().contains("tensor 'backbone.layer2.0.conv1.weight' has shape [16, 8, 1, 1]"), b.getMessage());
        assertFalse(Files.exists(dir.resolve("a.onnx")));
    }
}
