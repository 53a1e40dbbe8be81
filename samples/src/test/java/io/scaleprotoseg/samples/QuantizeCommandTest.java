package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.sdk.ConfusionMatrix;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.sdk.spi.FileDigest;
import io.scaleprotoseg.trainer.data.Datasets;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quantize} and {@code eval --model}: what is written, what the card records, the gate, and every refusal. */
class QuantizeCommandTest {
    @TempDir
    Path dir;
    Path data;
    Path model;

    @BeforeEach
    void scenesAndModel() throws Exception {
        data = dir.resolve("data");
        Scenes.defaults().withCounts(4, 2, 3).writeTo(data);
        model = dir.resolve("sps.onnx");
        // seven classes, as the scenes
        InferenceGraphWriter.write(RandomModels.build(new RandomModels.Spec(ModelKind.SCALEPROTOSEG, 7, new int[] {1, 2, 3, 4},
                2, 2, 8, 8, 1, List.of(), 9)), model);
    }

    @Test
    void writesAnInt8ModelWhoseCardRecordsTheQuantisationAndTheCheck() throws Exception {
        Path out = dir.resolve("sps-int8.onnx");
        Cli.Result r = Cli.run("quantize", "--model", model, "--data", data, "--images-count", 3, "--method", "minmax",
                "--min-agreement", 0.5, "--threads", 1, "--out", out);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("mask agreement with FP32: "), r::toString);
        ModelCard card = ModelCard.read(out);
        ModelCard.Quantization q = card.quantization();
        assertNotNull(q, "the card records the quantisation");
        assertEquals("minmax", q.method());
        assertNull(q.percentile());
        assertEquals("uint8 asymmetric", q.activations());
        assertEquals(3, q.calibrationImages());
        assertTrue(q.calibrationData().endsWith("/train"), q.calibrationData());
        assertEquals(FileDigest.sha256(model), q.sourceSha256());
        assertTrue(q.quantizedConvolutions() > 0);
        ModelCard.Check c = q.check();
        assertEquals(3, c.images());
        assertTrue(c.maskAgreement() >= 0.5 && c.maskAgreement() <= 1, "agreement " + c.maskAgreement());
        assertNotNull(c.meanIouFp32(), "labelled calibration data: mIoU of both");
        assertNotNull(c.meanIouInt8());
        assertNotNull(c.top3Agreement(), "a ScaleProtoSeg model's evidence is compared");
        assertNotNull(c.activationMaxDelta());
        assertTrue(c.contributionMaxDelta() >= c.contributionMeanDelta());
        // the rest of the card is the source's
        ModelCard src = ModelCard.read(model);
        assertEquals(src.prototypes(), card.prototypes());
        assertEquals(src.groups(), card.groups());
        assertTrue(Files.size(out) < Files.size(model), "int8 weights make a smaller file");
        Cli.Result info = Cli.run("info", out);
        assertEquals(0, info.exit(), info::toString);
        assertTrue(info.out().contains("quantisation:   INT8 (") && info.out().contains("calibration:  minmax on 3 images"),
                info::toString);
        Cli.Result again = Cli.run("quantize", "--model", out, "--data", data, "--out", dir.resolve("twice.onnx"));
        assertEquals(1, again.exit(), again::toString);
        assertTrue(again.err().contains("--model " + out + " is quantised already"), again::toString);
        assertFalse(Files.exists(dir.resolve("twice.onnx")));
    }

    @Test
    void nothingIsWrittenWhenTheCheckFallsShortOfTheAgreementAsked() throws Exception {
        // the same settings agree on less than every pixel (measured 0.98..0.99): asking for all of them must refuse
        Path out = dir.resolve("gated.onnx");
        Cli.Result r = Cli.run("quantize", "--model", model, "--data", data, "--images-count", 3, "--method", "minmax",
                "--min-agreement", 1, "--threads", 1, "--out", out);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("below --min-agreement 100.00%; nothing written"), r::toString);
        assertFalse(Files.exists(out));
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void everyBadInputIsRefusedNamingItsArgument() throws Exception {
        Path out = dir.resolve("never.onnx");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        expect("--images " + empty + ": the directory holds no image files", "quantize", "--model", model, "--images", empty,
                "--out", out);
        expect("--method kl: unknown calibration method; use minmax, percentile or entropy", "quantize", "--model", model,
                "--data", data, "--method", "kl", "--out", out);
        expect("--activations uint4: unknown activation type", "quantize", "--model", model, "--data", data, "--activations",
                "uint4", "--out", out);
        expect("give calibration images: --data DIR", "quantize", "--model", model, "--out", out);
        expect("--images-count must be positive", "quantize", "--model", model, "--data", data, "--images-count", 0, "--out",
                out);
        expect("--min-agreement must lie in 0..1", "quantize", "--model", model, "--data", data, "--min-agreement", 2,
                "--out", out);
        expect("--out " + model + " is the --model file", "quantize", "--model", model, "--data", data, "--out", model);
        // a model file without a card
        OnnxMl.ModelProto noCard = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model)).toBuilder().clearMetadataProps().build();
        Path cardless = dir.resolve("cardless.onnx");
        InferenceGraphWriter.writeAtomically(noCard, cardless);
        expect("--model " + cardless + " cannot be quantised: ", "quantize", "--model", cardless, "--data", data, "--out", out);
        expect("--model " + dir.resolve("missing.onnx") + ": no such model file", "quantize", "--model",
                dir.resolve("missing.onnx"), "--data", data, "--out", out);
        assertFalse(Files.exists(out));
    }

    private static void expect(String message, Object... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains(message), () -> "expected '" + message + "' in\n" + r);
    }

    @Test
    void evalModelEqualsAHandLoopThroughTheSdk() throws Exception {
        Path json = dir.resolve("eval.json");
        Cli.Result r = Cli.run("eval", "--model", model, "--data", data, "--split", "test", "--threads", 1, "--out", json);
        assertEquals(0, r.exit(), r::toString);
        SegmentationDataset ds = Datasets.open(null, data, Split.TEST, Map.of());
        ConfusionMatrix cm = new ConfusionMatrix(7, ds.labels().ignoreLabel());
        try (Segmenter seg = Segmenter.builder().model(model).intraOpThreads(1).build()) {
            for (int i = 0; i < ds.size(); i++) {
                Sample s = ds.get(i);
                cm.add(s.labels(), seg.segment(s.image(), s.width(), s.height()).mask());
            }
        }
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(3, j.get("images").asInt());
        assertEquals(cm.meanIou(), j.get("meanIou").asDouble(), 0.0);
        assertEquals(cm.pixelAccuracy(), j.get("pixelAccuracy").asDouble(), 0.0);
        double[] iou = cm.iou();
        for (int c = 0; c < 7; c++) {
            JsonNode v = j.get("classes").get(c).get("iou");
            if (Double.isNaN(iou[c])) {
                assertTrue(v.isNull());
            } else {
                assertEquals(iou[c], v.asDouble(), 0.0);
            }
        }
    }

    @Test
    void evalCompareOfAModelWithItselfShowsNoDrift() throws Exception {
        Path json = dir.resolve("cmp.json");
        Cli.Result r = Cli.run("eval", "--model", model, "--compare", model, "--data", data, "--split", "test", "--threads", 1,
                "--out", json);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("mask agreement:  1.0000"), r::toString);
        JsonNode c = new ObjectMapper().readTree(json.toFile()).get("comparison");
        assertEquals(1.0, c.get("maskAgreement").asDouble(), 0.0);
        assertEquals(0.0, c.get("meanIouDelta").asDouble(), 0.0);
        assertEquals(0.0, c.get("contributionMaxDelta").asDouble(), 0.0);
        assertEquals(0.0, c.get("activationMaxDelta").asDouble(), 0.0);
        assertEquals(1.0, c.get("top3Agreement").asDouble(), 0.0);
    }

    @Test
    void evalRefusesAmbiguousOrIncompleteArguments() throws Exception {
        expect("give either --run RUN_DIR", "eval", "--model", model, "--run", dir, "--data", data);
        expect("give either --run RUN_DIR", "eval", "--data", data);
        expect("--compare REF.onnx compares two exported models", "eval", "--run", dir, "--compare", model);
        expect("give the labelled data to evaluate on with --data DIR", "eval", "--model", model);
        expect("--device gpu chooses the trainer's device", "eval", "--model", model, "--data", data, "--device", "gpu");
    }
}
