package io.scaleprotoseg.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parity contract: bounds, and the notes a card records the figures in. */
class ParityTest {
    @Test
    void theBoundsAreInclusiveAndTheRelativeDifferenceIsOverTheLargestLogit() {
        Parity p = Parity.measured(8, 0.02, 20.0, 0.999);
        assertEquals(1e-3, p.relativeLogitDifference(), 1e-15);
        assertTrue(p.passed(), "1e-3 and 99.9% are within the bounds");
        assertFalse(Parity.measured(8, 0.021, 20.0, 1.0).passed(), "logits over the bound");
        assertFalse(Parity.measured(8, 0.0, 20.0, 0.9989).passed(), "masks under the bound");
        assertEquals(0.5, Parity.measured(1, 0.5, 0.0, 1.0).relativeLogitDifference(), "all-zero logits: the absolute");
    }

    @Test
    void theFiguresRoundTripThroughTheCardsNotes() {
        Parity p = Parity.measured(4, 1.23456789e-4, 10.0, 0.9999876);
        Map<String, String> notes = p.toNotes();
        assertEquals("4", notes.get("parity.images"));
        Parity back = Parity.fromNotes(notes);
        assertEquals(4, back.images());
        assertEquals(p.relativeLogitDifference(), back.relativeLogitDifference(), 1e-5 * p.relativeLogitDifference());
        assertEquals(p.maskAgreement(), back.maskAgreement(), 1e-6);
        assertNull(Parity.fromNotes(Map.of("checkpoint", "stage2.ckpt")), "no figures");
        assertNull(Parity.fromNotes(Map.of("parity.images", "four")), "unreadable figures");
        assertTrue(p.describe().contains("(bound 1e-03)") && p.describe().contains("(bound 99.9%)"), p.describe());
    }
}
