package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.data.Scenes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit} on a labelled folder data set: the files it writes, what they hold, and its refusals. */
class AuditCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesEveryPartWithItsFiguresAndAReadablePage() throws Exception {
        Path data = dir.resolve("data");
        Scenes.defaults().withCounts(2, 2, 3).writeTo(data);
        Path model = dir.resolve("sps.onnx");
        // seven classes, as the scenes
        InferenceGraphWriter.write(RandomModels.build(new RandomModels.Spec(ModelKind.SCALEPROTOSEG, 7, new int[] {1, 2, 3, 4},
                2, 2, 8, 8, 1, List.of(), 9)), model);
        ModelCard card = ModelCard.read(model);
        Path out = dir.resolve("audit");
        Cli.Result r = Cli.run("audit", "--model", model, "--data", data, "--split", "test", "--out", out);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("on scenes-data/test (3 images)") || r.out().contains("/test (3 images)"), r::toString);
        assertTrue(r.out().matches("(?s).*time: +\\d+\\.\\d\\d s segmenting at full evidence, \\d+\\.\\d\\d s auditing.*"), r::toString);
        JsonNode json = new ObjectMapper().readTree(out.resolve("audit.json").toFile());
        assertEquals(card.prototypes().size() + card.groups().size(), json.get("parts").size());
        assertEquals(3, json.get("images").asInt());
        JsonNode first = json.get("parts").get(0);
        assertEquals("prototype " + card.prototypes().get(0).id(), first.get("part").asText());
        assertEquals(7, first.get("perClass").size());
        assertTrue(first.get("strongest").size() >= 1 && first.get("strongest").size() <= 3);
        String html = Files.readString(out.resolve("audit.html"));
        assertTrue(html.contains("<h2>Per class</h2>") && html.contains("most decisive: ") && html.contains("id=\"parts\""), "page");
        assertTrue(html.contains("<img class=\"crop\""), "crops of the strongest activations");
        assertTrue(!html.contains("http://") && !html.contains("https://"), "self-contained");
    }

    @Test
    void aBlackBoxOrOtherClassesAreRefused() throws Exception {
        Path data = dir.resolve("data");
        Scenes.defaults().withCounts(2, 2, 1).writeTo(data);
        Path deeplab = TestModels.random(dir, ModelKind.DEEPLABV2);
        Cli.Result r = Cli.run("audit", "--model", deeplab, "--data", data, "--out", dir.resolve("a"));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("(black-box) model: it has no parts to audit"), r::toString);
        Path four = TestModels.random(dir, ModelKind.PROTOSEG);
        Cli.Result classes = Cli.run("audit", "--model", four, "--data", data, "--out", dir.resolve("b"));
        assertEquals(1, classes.exit(), classes::toString);
        assertTrue(classes.err().contains("has 7 classes, the model 4"), classes::toString);
    }
}
