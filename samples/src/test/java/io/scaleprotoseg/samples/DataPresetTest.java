package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.trainer.data.ImageFiles;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recognised data set without --preset trains with its own preset, and the run says which and why. */
class DataPresetTest {
    @TempDir
    Path root;

    private void cityscapes() throws Exception {
        int[] v = new int[16 * 8];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % 3 == 0 ? 23 : 7;
        }
        for (String[] f : new String[][] {{"train", "aachen_000000_000019"}, {"val", "aachen_000001_000019"}}) {
            ImageFiles.write(new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB), "png",
                    root.resolve("cs/leftImg8bit/" + f[0] + "/aachen/" + f[1] + "_leftImg8bit.png"));
            ImageFiles.writeValuesPng(root.resolve("cs/gtFine/" + f[0] + "/aachen/" + f[1] + "_gtFine_labelIds.png"), v, 16, 8);
        }
    }

    @Test
    void aCityscapesRootWithoutPresetGetsTheCityscapesPresetAndSaysWhy() throws Exception {
        cityscapes();
        Path data = root.resolve("cs");
        Cli.Result r = Cli.run("train", "--data", data, "--out", root.resolve("run"), "--dry-run", "--no-time");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.err().contains("note: no --preset given: using preset cityscapes, the paper's settings for cityscapes "
                + "data, because " + data.toAbsolutePath().normalize() + " is detected as cityscapes; --preset scenes gives "
                + "the small CPU settings"), r::toString);
        assertTrue(r.out().contains("\"preset\" : \"cityscapes\""), r::toString);
        assertTrue(r.out().contains("\"crop\" : 513"), r::toString);

        Cli.Result small = Cli.run("train", "--preset", "scenes", "--data", data, "--out", root.resolve("run2"), "--dry-run", "--no-time");
        assertEquals(0, small.exit(), small::toString);
        assertTrue(!small.err().contains("no --preset given"), small::toString);
        assertTrue(small.out().contains("\"preset\" : \"scenes\""), small::toString);
    }
}
