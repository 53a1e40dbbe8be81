package io.scaleprotoseg.trainer.data;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Maps the raw values of a label file to class ids or the void label through a lookup table, and
 * rejects values the data set does not define with an error naming the file, value and position.
 * A data set that can tell the likely cause of a bad file (a trainIds image under the labelIds
 * name, say) overrides {@link #wrongKind} and {@link #likelyCause}.
 */
class LabelMapping {
    static final int INVALID = Integer.MIN_VALUE;
    private static final int RANGE = 65536;

    private final int[] table;
    private final String expected;

    /**
     * @param table raw value -> mapped label, {@link #INVALID} for values that are errors; raw values
     *     beyond the table are errors
     * @param expected what valid values are, for messages (e.g. "class ids 0..18 or the void label 255")
     */
    LabelMapping(int[] table, String expected) {
        this.table = table;
        this.expected = expected;
    }

    /** Class ids 0..C-1 and the ignore label map to themselves; everything else is an error. */
    static LabelMapping identity(LabelSpace labels) {
        int[] t = new int[RANGE];
        Arrays.fill(t, INVALID);
        for (int i = 0; i < labels.numClasses(); i++) {
            t[i] = i;
        }
        if (labels.ignoreLabel() >= 0 && labels.ignoreLabel() < RANGE) {
            t[labels.ignoreLabel()] = labels.ignoreLabel();
        }
        return new LabelMapping(t, describe(labels));
    }

    static String describe(LabelSpace labels) {
        return "class ids 0.." + (labels.numClasses() - 1) + " or the void label " + labels.ignoreLabel();
    }

    /** Part ids 0..maxPart (0 = no part); with maxPart < 0 any value 0..65535 is accepted. */
    static LabelMapping parts(int maxPart) {
        int[] t = new int[RANGE];
        int last = maxPart < 0 ? RANGE - 1 : maxPart;
        Arrays.fill(t, INVALID);
        for (int i = 0; i <= last; i++) {
            t[i] = i;
        }
        return new LabelMapping(t, "part ids 0.." + last + " (0 = no part)");
    }

    /**
     * Maps raw values in place.
     *
     * @param kind what the file is, for messages
     * @throws DatasetException at the first value that is not defined
     */
    int[] apply(int[] raw, int width, Path file, String kind) throws DatasetException {
        for (int i = 0; i < raw.length; i++) {
            int v = raw[i];
            int m = v >= 0 && v < table.length ? table[v] : INVALID;
            if (m == INVALID) {
                String cause = likelyCause(v, raw);
                throw new DatasetException(DatasetException.LABEL_VALUE, kind + " " + file + " has value " + v + " at (x="
                        + (i % width) + ", y=" + (i / width) + "), outside the label range: expected " + expected
                        + (cause == null ? "" : "; " + cause));
            }
        }
        String wrong = wrongKind(raw);
        if (wrong != null) {
            throw new DatasetException(DatasetException.LABEL_KIND, kind + " " + file + " " + wrong);
        }
        for (int i = 0; i < raw.length; i++) {
            raw[i] = table[raw[i]];
        }
        return raw;
    }

    /**
     * Whether a label image whose every value is defined is still of the wrong kind: what it looks
     * like and what to do, completing "label FILE ...", or null when it is fine.
     */
    String wrongKind(int[] raw) {
        return null;
    }

    /**
     * The likely cause of an undefined value {@code value} in the image {@code raw} (raw values,
     * unmapped) and what to do, or null when there is nothing to add to the message.
     */
    String likelyCause(int value, int[] raw) {
        return null;
    }
}
