package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.samples.quickstart.SceneClass;
import io.scaleprotoseg.sdk.ModelKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoCommandTest {
    @TempDir
    static Path dir;
    static Path colour;

    @BeforeAll
    static void writeModel() throws IOException {
        colour = TestModels.colourModel(dir);
    }

    @Test
    void summarisesTheCard() {
        Cli.Result r = Cli.run("info", colour);
        assertEquals(0, r.exit(), r::toString);
        String out = r.out();
        assertTrue(out.contains("method:         scaleprotoseg"), out);
        for (SceneClass c : SceneClass.ALL) {
            assertTrue(out.matches("(?s).*\\n\\s+" + c.id() + "\\s+" + c.label() + "\\s+" + c.overlayHex() + "\\n.*"),
                    "class line of " + c.label() + " in\n" + out);
        }
        assertTrue(out.contains("prototypes:     20 (20 with a patch image)"), out);
        // per scale: index, dilation, prototypes (one per class)
        for (int s = 0; s < 4; s++) {
            assertTrue(out.matches("(?s).*\\n\\s+" + s + "\\s+" + (s + 1) + "\\s+5\\n.*"), "scale " + s + " in\n" + out);
        }
        assertTrue(out.contains("groups:         10, 2.00 prototypes per group on average"), out);
        assertTrue(out.matches("(?s).*\\n\\s+car\\s+4\\s+2\\s+2\\.00\\n.*"), "car: 4 prototypes, 2 groups of 2\n" + out);
        assertTrue(out.contains("threshold:      0.0500"), out);
        assertTrue(out.contains("hand-specified"), "provenance notes\n" + out);
        assertTrue(r.err().isEmpty(), r::toString);
    }

    @Test
    void blackBoxModelsHaveNoPrototypes() throws IOException {
        Cli.Result r = Cli.run("info", TestModels.random(dir, ModelKind.DEEPLABV2));
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("prototypes:     none (black-box model: no evidence)"), r::toString);
    }

    @Test
    void printsTheCardAsJson() throws IOException {
        Cli.Result r = Cli.run("info", "--json", colour);
        assertEquals(0, r.exit(), r::toString);
        JsonNode card = new ObjectMapper().readTree(r.out());
        assertEquals("scaleprotoseg", card.get("method").asText());
        assertEquals(SceneClass.ALL.size(), card.get("classes").size());
    }

    @Test
    void listsBackendsWithoutAModel() {
        Cli.Result r = Cli.run("info", "--backends");
        assertEquals(0, r.exit(), r::toString);
        // runtime-ort is a dependency and ONNX Runtime's CPU provider runs everywhere it ships for
        assertTrue(r.out().matches("(?s).*\\n\\s+ort-cpu\\s+provider io\\.scaleprotoseg:scaleprotoseg-runtime-ort; available.*"),
                r::toString);
        assertTrue(r.out().contains("tensorrt"), r::toString);
        assertTrue(r.out().contains("auto picks: "), r::toString);
    }

    @Test
    void needsAModelOrBackends() {
        assertEquals(2, Cli.run("info").exit());
    }

    @Test
    void aFileThatIsNoModelIsAUserError() throws IOException {
        Path bogus = Files.writeString(dir.resolve("bogus.onnx"), "definitely not protobuf");
        Cli.Result r = Cli.run("info", bogus);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("bogus.onnx"), r::toString);
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r);
    }
}
