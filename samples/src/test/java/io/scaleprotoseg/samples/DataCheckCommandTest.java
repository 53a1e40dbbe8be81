package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.trainer.data.CityscapesDataset;
import io.scaleprotoseg.trainer.data.ImageFiles;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code data check} scans every split in full and counts every problem, with an exit code training can trust. */
class DataCheckCommandTest {
    private static final int W = 16;
    private static final int H = 8;

    @TempDir
    Path root;

    private static BufferedImage colour(int salt) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                img.setRGB(x, y, (((x * 13 + salt) & 0xff) << 16) | (((y * 17) & 0xff) << 8) | (salt & 0xff));
            }
        }
        return img;
    }

    /** Half road (7), half car (26), the first column sky (23). */
    private static int[] street() {
        int[] v = new int[W * H];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % W == 0 ? 23 : i < v.length / 2 ? 7 : 26;
        }
        return v;
    }

    private void frame(String split, String city, String id, int[] labelIds) throws Exception {
        ImageFiles.write(colour(id.hashCode() & 0x7f), "png",
                root.resolve("leftImg8bit/" + split + "/" + city + "/" + id + "_leftImg8bit.png"));
        if (labelIds != null) {
            ImageFiles.writeValuesPng(root.resolve("gtFine/" + split + "/" + city + "/" + id + "_gtFine_labelIds.png"),
                    labelIds, W, H);
        }
    }

    private void goodCityscapes() throws Exception {
        for (int i = 0; i < 3; i++) {
            frame("train", "aachen", "aachen_000000_00001" + i, street());
        }
        frame("val", "frankfurt", "frankfurt_000000_000294", street());
        frame("test", "berlin", "berlin_000000_000019", null);
    }

    @Test
    void aCleanDataSetPassesWithCountsAndShares() throws Exception {
        goodCityscapes();
        Cli.Result r = Cli.run("data", "check", "--data", root);
        assertEquals(0, r.exit(), r.toString());
        String out = r.out();
        assertTrue(out.contains("format cityscapes"), out);
        assertTrue(out.matches("(?s).*train +cityscapes/train +3 +3 +3 +0\\n.*"), out);
        assertTrue(out.matches("(?s).*val +cityscapes/val +1 +1 +1 +0\\n.*"), out);
        assertTrue(out.matches("(?s).*test +cityscapes/test +1 +0 +1 +0\\n.*"), out);
        // road 7 -> 0: 60 of 128 pixels; car 26 -> 13: 60; sky 23 -> 10: the first column, 8
        assertTrue(out.matches("(?s).*\\n +0 +road +46\\.875% +46\\.875%\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n +13 +car +46\\.875% +46\\.875%\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n +10 +sky +6\\.250% +6\\.250%\\n.*"), out);
        assertTrue(out.contains("verdict:   ok: training reads every train and val file"), out);
        assertTrue(r.err().contains("data check"), "a progress bar on stderr: " + r.err());
    }

    @Test
    void everyProblemIsCountedByKindWithTheFirstFilesAndTheExitCodeSaysTrainingWouldFail() throws Exception {
        goodCityscapes();
        int[] trainIds = Arrays.stream(street()).map(CityscapesDataset::trainId).toArray();
        frame("train", "bochum", "bochum_000000_000001", trainIds);
        frame("train", "bochum", "bochum_000000_000002", trainIds);
        int[] bad = street();
        bad[W + 3] = 40;
        frame("train", "bochum", "bochum_000000_000003", bad);
        frame("train", "bochum", "bochum_000000_000004", null); // no label
        Path jpeg = root.resolve("gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_labelIds.png");
        BufferedImage grey = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
        ImageIO.write(grey, "jpg", jpeg.toFile());
        // a label no image pairs with
        ImageFiles.writeValuesPng(root.resolve("gtFine/train/aachen/aachen_000009_000019_gtFine_labelIds.png"), street(), W, H);

        Cli.Result r = Cli.run("data", "check", "--data", root);
        assertEquals(1, r.exit(), r.toString());
        String out = r.out();
        assertTrue(out.matches("(?s).*train +cityscapes/train +7 +6 +3 +4\\n.*"), out);
        assertTrue(out.contains("  train: label file of the wrong kind: 2 file(s)\n    label "
                + root.resolve("gtFine/train/bochum/bochum_000000_000001_gtFine_labelIds.png")
                + " holds only the values 0..18 and 255: this looks like a trainIds image"), out);
        assertTrue(out.contains("  train: label value outside the data set's table: 1 file(s)\n    label "
                + root.resolve("gtFine/train/bochum/bochum_000000_000003_gtFine_labelIds.png") + " has value 40 at (x=3, y=1)"),
                out);
        assertTrue(out.contains("  train: file without its image or label: 1 file(s)\n    image "
                + root.resolve("leftImg8bit/train/bochum/bochum_000000_000004_leftImg8bit.png") + " has no label"), out);
        assertTrue(out.contains("  val: label file with lossy JPEG data: 1 file(s)\n    label " + jpeg + " holds JPEG data"),
                out);
        assertTrue(out.contains("label files no split reads: 1 (first: "
                + root.resolve("gtFine/train/aachen/aachen_000009_000019_gtFine_labelIds.png") + ")"), out);
        assertTrue(out.contains("verdict:   training would fail"), out);

        Cli.Result j = Cli.run("data", "check", "--data", root, "--json");
        assertEquals(1, j.exit(), j.toString());
        JsonNode report = new ObjectMapper().readTree(j.out());
        assertEquals("cityscapes", report.get("format").asText());
        JsonNode train = report.get("splits").get(0);
        assertEquals(7, train.get("images").asInt());
        assertEquals(3, train.get("scannedOk").asInt());
        assertEquals(3, train.get("anomalies").size());
        assertEquals(19, report.get("classes").size());
        assertEquals(1, report.get("unusedLabels").asInt());
    }

    @Test
    void aRootThatIsNoDataSetIsAUserError() throws Exception {
        Files.createDirectories(root.resolve("empty"));
        Cli.Result r = Cli.run("data", "check", "--data", root.resolve("empty"));
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("error: cannot tell the data format of"), r.err());
        assertEquals(2, Cli.run("data").exit());
    }
}
