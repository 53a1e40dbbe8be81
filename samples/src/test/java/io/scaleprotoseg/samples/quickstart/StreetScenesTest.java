package io.scaleprotoseg.samples.quickstart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Rectangle;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreetScenesTest {
    @Test
    void sameSeedSameScenes() {
        StreetScenes.Scene a = StreetScenes.generate(3, 1, 320, 240).get(0);
        StreetScenes.Scene b = StreetScenes.generate(3, 1, 320, 240).get(0);
        StreetScenes.Scene c = StreetScenes.generate(4, 1, 320, 240).get(0);
        assertArrayEquals(a.labels(), b.labels());
        assertArrayEquals(a.image().getRGB(0, 0, 320, 240, null, 0, 320), b.image().getRGB(0, 0, 320, 240, null, 0, 320));
        assertFalse(Arrays.equals(a.labels(), c.labels()));
    }

    @Test
    void labelsFollowTheDrawing() {
        StreetScenes.Scene s = StreetScenes.generate(5, 1, 320, 240).get(0);
        boolean[] seen = new boolean[SceneClass.ALL.size()];
        for (int l : s.labels()) {
            seen[l] = true;
        }
        for (SceneClass k : SceneClass.ALL) {
            assertTrue(seen[k.id()], k + " missing");
        }
        assertEquals(SceneClass.SKY.id(), s.labels()[0], "top-left is sky or building");
        List<Rectangle> cars = s.cars();
        assertEquals(StreetScenes.CAR_WIDTHS.length, cars.size());
        Rectangle big = s.largestCar();
        int centre = (big.y + big.height / 2) * 320 + big.x + big.width / 2;
        assertEquals(SceneClass.CAR.id(), s.labels()[centre]);
        // the label at a car pixel and the painted colour agree (noise is at most 6 per channel)
        int rgb = s.image().getRGB(big.x + big.width / 2, big.y + big.height / 2);
        assertTrue(Math.abs(((rgb >> 16) & 0xff) - SceneClass.CAR.appearance().getRed()) <= 6 + 6);
    }
}
