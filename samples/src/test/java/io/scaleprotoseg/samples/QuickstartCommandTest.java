package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.samples.quickstart.SceneClass;
import io.scaleprotoseg.samples.quickstart.StreetScenes;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quick-start end to end: one run, then its outputs checked one by one. */
class QuickstartCommandTest {
    private static final int IMAGES = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path out;
    static Cli.Result run;

    @BeforeAll
    static void runQuickstart() {
        out = dir.resolve("qs");
        run = Cli.run("quickstart", "--out", out, "--images", IMAGES);
    }

    @Test
    void succeedsAndPrintsTheAccuracyTable() {
        assertEquals(0, run.exit(), run::toString);
        assertTrue(run.out().contains("pixel accuracy"), run::toString);
        assertTrue(run.out().contains("scene-0.png"), run::toString);
        assertTrue(run.out().contains("explain.html"), run::toString);
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("mean")), run::toString);
        assertEquals(1, run.out().lines().filter(l -> l.startsWith("backend: ")).count(), run::toString);
        assertTrue(run.out().lines().noneMatch(l -> l.startsWith("  skipped")), "the backend on one line: " + run);
    }

    @Test
    void writesEveryOutput() {
        assertTrue(Files.isRegularFile(out.resolve("model.onnx")));
        for (int i = 0; i < IMAGES; i++) {
            for (String f : List.of("images/scene-" + i + ".png", "labels/scene-" + i + ".png",
                    "segment/scene-" + i + "_mask.png", "segment/scene-" + i + "_overlay.png", "segment/scene-" + i + ".json")) {
                assertTrue(Files.isRegularFile(out.resolve(f)), f + " missing; " + run);
            }
        }
        assertTrue(Files.isRegularFile(out.resolve("explain/explain.html")));
        assertTrue(Files.isRegularFile(out.resolve("explain/explain.json")));
    }

    @Test
    void masksAreEightBitClassIdsOfTheImageSize() throws IOException {
        for (int i = 0; i < IMAGES; i++) {
            BufferedImage mask = ImageIO.read(out.resolve("segment/scene-" + i + "_mask.png").toFile());
            assertEquals(QuickstartCommand.WIDTH, mask.getWidth());
            assertEquals(QuickstartCommand.HEIGHT, mask.getHeight());
            assertEquals(BufferedImage.TYPE_BYTE_GRAY, mask.getType());
            int[] values = mask.getRaster().getPixels(0, 0, mask.getWidth(), mask.getHeight(), (int[]) null);
            boolean[] seen = new boolean[256];
            for (int v : values) {
                assertTrue(v >= 0 && v < SceneClass.ALL.size(), "value " + v + " is no class id");
                seen[v] = true;
            }
            // a street scene has sky, road and cars at least
            assertTrue(seen[SceneClass.SKY.id()] && seen[SceneClass.ROAD.id()] && seen[SceneClass.CAR.id()]);
            BufferedImage overlay = ImageIO.read(out.resolve("segment/scene-" + i + "_overlay.png").toFile());
            assertEquals(mask.getWidth(), overlay.getWidth());
            assertEquals(mask.getHeight(), overlay.getHeight());
        }
    }

    @Test
    void masksAreClearlyCorrect() throws IOException {
        // labels regenerated from the seed, independent of the label files the command wrote
        List<StreetScenes.Scene> scenes = StreetScenes.generate(7, IMAGES, QuickstartCommand.WIDTH, QuickstartCommand.HEIGHT);
        double sum = 0;
        for (StreetScenes.Scene sc : scenes) {
            Raster mask = ImageIO.read(out.resolve("segment/" + sc.name() + "_mask.png").toFile()).getRaster();
            int[] predicted = mask.getPixels(0, 0, sc.width(), sc.height(), (int[]) null);
            int[] labelFile = ImageIO.read(out.resolve("labels/" + sc.name() + ".png").toFile()).getRaster()
                    .getPixels(0, 0, sc.width(), sc.height(), (int[]) null);
            assertArrayEquals(sc.labels(), labelFile, "the label file holds the generator's labels");
            double accuracy = QuickstartCommand.accuracy(predicted, sc.labels());
            double chance = QuickstartCommand.majorityShare(sc.labels());
            assertTrue(accuracy > 0.85, sc.name() + ": pixel accuracy " + accuracy);
            assertTrue(accuracy > chance + 0.4, sc.name() + ": pixel accuracy " + accuracy + " vs majority " + chance);
            sum += accuracy;
        }
        assertTrue(sum / IMAGES > 0.9, "mean pixel accuracy " + sum / IMAGES);
    }

    @Test
    void summariesParseAndTheirAreasCoverTheImage() throws IOException {
        for (int i = 0; i < IMAGES; i++) {
            JsonNode json = JSON.readTree(out.resolve("segment/scene-" + i + ".json").toFile());
            int w = json.get("width").asInt();
            int h = json.get("height").asInt();
            assertEquals(QuickstartCommand.WIDTH * QuickstartCommand.HEIGHT, w * h);
            long area = 0;
            for (JsonNode c : json.get("classes")) {
                area += c.get("pixels").asLong();
                assertFalse(c.get("topGroups").isEmpty(), "a scaleprotoseg summary names groups per class");
            }
            assertEquals((long) w * h, area);
            assertFalse(json.get("backend").asText().isBlank());
            assertTrue(json.get("inferenceMs").asDouble() > 0);
        }
    }

    @Test
    void explanationHtmlIsSelfContainedAndComplete() throws IOException {
        String html = Files.readString(out.resolve("explain/explain.html"));
        for (String section : List.of("id=\"summary\"", "id=\"images\"", "id=\"scores\"", "id=\"decomposition\"",
                "id=\"groups\"")) {
            assertTrue(html.contains(section), "missing section " + section);
        }
        assertTrue(html.contains("<svg"), "the decomposition chart is inline SVG");
        assertTrue(html.contains("#2e7d32") && html.contains("#c62828"), "positive and negative bars");
        assertTrue(html.contains("cell logit"));
        assertTrue(html.contains("car group 0 (scales 0,1)"));
        assertTrue(html.contains("dilation 4"));
        assertFalse(html.contains("<script"), "no scripts");
        assertFalse(Pattern.compile("(src|href)=\"(?!data:)").matcher(html).find(), "no external resources");
        Matcher m = Pattern.compile("src=\"data:image/(?:png|jpeg);base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int images = 0;
        while (m.find()) {
            if (images++ < 3) {
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
                assertNotNull(img, "an embedded image does not decode");
            }
        }
        // input, overlay, group maps, and per prototype a patch and a map
        assertTrue(images >= 8, "only " + images + " embedded images");
    }

    @Test
    void explanationJsonExplainsACarPixelAndAddsUp() throws IOException {
        JsonNode e = JSON.readTree(out.resolve("explain/explain.json").toFile());
        assertEquals(SceneClass.CAR.id(), e.get("classId").asInt());
        assertEquals("car", e.get("className").asText());
        double sum = 0;
        for (JsonNode g : e.get("groups")) {
            sum += g.get("contribution").asDouble();
            double logA = 0;
            for (JsonNode p : g.get("prototypes")) {
                logA += p.get("contribution").asDouble();
            }
            assertEquals(Math.log(g.get("activation").asDouble()), logA, 1e-4 * Math.max(1, Math.abs(logA)));
        }
        double logit = e.get("logit").asDouble();
        assertEquals(logit, sum, 1e-4 * Math.abs(logit));
        assertTrue(logit > 0, "the car logit at a car pixel is positive");
    }
}
