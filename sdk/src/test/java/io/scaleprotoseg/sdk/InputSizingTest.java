package io.scaleprotoseg.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InputSizingTest {
    @Test
    void policiesGiveTheNetworkSize() {
        assertArrayEquals(new int[] {640, 480}, InputSizing.keep().networkSize(640, 480));
        assertArrayEquals(new int[] {513, 513}, InputSizing.fixed(513, 513).networkSize(640, 480));
        assertArrayEquals(new int[] {683, 512}, InputSizing.shorterSide(512).networkSize(640, 480));
        assertArrayEquals(new int[] {512, 1024}, InputSizing.shorterSide(512).networkSize(1000, 2000));
    }

    @Test
    void parsingAcceptsTheCommandLineSpellings() {
        assertTrue(InputSizing.parse("keep").isKeep());
        assertArrayEquals(new int[] {321, 200}, InputSizing.parse("321x200").networkSize(1, 1));
        assertArrayEquals(new int[] {100, 50}, InputSizing.parse("50").networkSize(200, 100));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InputSizing.parse("big"));
        assertTrue(e.getMessage().contains("WIDTHxHEIGHT"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InputSizing.fixed(0, 5));
    }

    @Test
    void backendAndEvidenceParseTheirCommandLineNames() {
        assertTrue(Backend.parse("ort-cuda") == Backend.ORT_CUDA);
        assertTrue(Evidence.parse("full") == Evidence.FULL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backend.parse("gpu"));
        assertTrue(e.getMessage().contains("ort-cpu"), e.getMessage());
    }
}
