package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.samples.quickstart.SceneClass;
import io.scaleprotoseg.samples.quickstart.StreetScenes;
import io.scaleprotoseg.sdk.ModelKind;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainCommandTest {
    @TempDir
    static Path dir;
    static Path colour;
    static Path image;
    static StreetScenes.Scene scene;

    @BeforeAll
    static void setUp() throws IOException {
        colour = TestModels.colourModel(dir);
        image = dir.resolve("scene.png");
        scene = TestModels.scene(image, 21);
    }

    @Test
    void aLargeImageIsDrawnAtDisplayResolutionSoTheReportStaysSmall() throws Exception {
        BufferedImage small = ImageIO.read(image.toFile());
        BufferedImage large = new BufferedImage(2400, 1800, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = large.createGraphics();
        g.drawImage(small, 0, 0, 2400, 1800, null);
        g.dispose();
        Path big = dir.resolve("large.png");
        ImageIO.write(large, "png", big.toFile());
        Path out = dir.resolve("explain-large");
        Cli.Result r = Cli.run("explain", "--model", colour, "--input", big, "--x", 2399, "--y", 1799, "--out", out,
                "--backend", "ort-cpu");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("pixel x 2399, y 1799:") && r.out().contains("feature cell row "), r::toString);
        String html = Files.readString(out.resolve("explain.html"));
        assertTrue(html.length() < 3_000_000, "explain.html is " + html.length() + " bytes");
        Matcher m = Pattern.compile("src=\"data:image/(?:png|jpeg);base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int images = 0;
        while (m.find()) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
            assertTrue(Math.max(img.getWidth(), img.getHeight()) <= ExplainReport.DISPLAY_SIZE,
                    "an embedded image of " + img.getWidth() + "x" + img.getHeight());
            images++;
        }
        assertTrue(images > 4, "images: " + images);

        // the option the resolution warning suggests exists: at a smaller network size the pixel keeps its coordinates
        Cli.Result sized = Cli.run("explain", "--model", colour, "--input", big, "--x", 2399, "--y", 1799, "--size", 240,
                "--out", dir.resolve("explain-sized"), "--backend", "ort-cpu");
        assertEquals(0, sized.exit(), sized::toString);
        assertTrue(sized.out().contains("pixel x 2399, y 1799:"), sized::toString);
        assertTrue(!sized.err().contains("warning: large.png"), "no resolution warning at --size 240: " + sized);
    }

    @Test
    void aPixelOutsideTheImageNamesTheOption() {
        Cli.Result r = Cli.run("explain", "--model", colour, "--input", image, "--x", 320, "--y", 10, "--out", dir.resolve("e"));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("--x 320"), r::toString);
        assertTrue(r.err().contains("0..319"), r::toString);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertFalse(Files.exists(dir.resolve("e/explain.html")));

        Cli.Result ry = Cli.run("explain", "--model", colour, "--input", image, "--x", 3, "--y", -1, "--out", dir.resolve("e"));
        assertEquals(1, ry.exit(), ry::toString);
        assertTrue(ry.err().contains("--y -1"), ry::toString);
    }

    @Test
    void explainsAnyClassAskedFor() throws IOException {
        Rectangle car = scene.largestCar();
        int x = car.x + car.width / 2;
        int y = car.y + car.height / 2;
        Path out = dir.resolve("road");
        Cli.Result r = Cli.run("explain", "--model", colour, "--input", image, "--x", x, "--y", y, "--out", out,
                "--class", "road", "--backend", "ort-cpu");
        assertEquals(0, r.exit(), r::toString);
        JsonNode e = new ObjectMapper().readTree(out.resolve("explain.json").toFile());
        assertEquals(SceneClass.ROAD.id(), e.get("classId").asInt());
        String html = Files.readString(out.resolve("explain.html"));
        // the mask says car there, and the page says so next to the explained class
        assertTrue(html.contains("class in the mask"), "mask class shown when it differs");
        assertTrue(r.out().contains("class road"), r::toString);
    }

    @Test
    void anUnknownClassIsAUserError() {
        Cli.Result r = Cli.run("explain", "--model", colour, "--input", image, "--x", 1, "--y", 1, "--out", dir.resolve("u"),
                "--class", "bicycle");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("--class bicycle") && r.err().contains("sky"), r::toString);
    }

    @Test
    void protosegModelsAreExplainedByPrototypes() throws IOException {
        Path model = TestModels.random(dir, ModelKind.PROTOSEG);
        Path out = dir.resolve("protoseg");
        Cli.Result r = Cli.run("explain", "--model", model, "--input", image, "--x", 100, "--y", 50, "--out", out,
                "--backend", "ort-cpu");
        assertEquals(0, r.exit(), r::toString);
        String html = Files.readString(out.resolve("explain.html"));
        assertTrue(html.contains("id=\"prototypes\""), "a prototype section for ProtoSeg");
        assertTrue(html.contains("sum over prototypes"), "the chart decomposes over prototypes");
        JsonNode e = new ObjectMapper().readTree(out.resolve("explain.json").toFile());
        assertTrue(e.get("groups").isEmpty());
        double sum = 0;
        for (JsonNode p : e.get("prototypes")) {
            sum += p.get("contribution").asDouble();
        }
        assertEquals(e.get("logit").asDouble(), sum, 1e-4 * Math.max(1, Math.abs(sum)));
    }

    @Test
    void blackBoxModelsCannotBeExplained() throws IOException {
        Path model = TestModels.random(dir, ModelKind.DEEPLABV2);
        Cli.Result r = Cli.run("explain", "--model", model, "--input", image, "--x", 1, "--y", 1, "--out", dir.resolve("d"));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("black-box"), r::toString);
    }
}
