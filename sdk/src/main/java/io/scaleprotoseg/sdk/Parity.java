package io.scaleprotoseg.sdk;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How closely an exported model reproduces the trainer that made it: the exporter runs both on
 * validation images before it keeps a model file, and records these figures in the card's
 * provenance notes ({@link ModelCard#parity()}). This record is the whole parity contract: the
 * bounds a model must meet and the keys its figures are stored under.
 *
 * @param images images compared
 * @param maxAbsLogitDifference max |trainer - runtime| over every logit
 * @param relativeLogitDifference {@code maxAbsLogitDifference} / max |trainer logit|
 * @param maskAgreement identical mask pixels / pixels
 */
public record Parity(int images, double maxAbsLogitDifference, double relativeLogitDifference, double maskAgreement) {
    /** Bound on {@link #relativeLogitDifference()}. */
    public static final double RELATIVE_LOGIT_BOUND = 1e-3;
    /** Bound on {@link #maskAgreement()}: at least this fraction of identical mask pixels. */
    public static final double MASK_AGREEMENT_BOUND = 0.999;

    static final String IMAGES = "parity.images";
    static final String MAX_ABS = "parity.maxAbsLogitDifference";
    static final String RELATIVE = "parity.relativeLogitDifference";
    static final String MASK = "parity.maskAgreement";

    /** The figures from raw measurements: the relative difference is max |difference| / max |logit|. */
    public static Parity measured(int images, double maxAbsLogitDifference, double maxAbsLogit, double maskAgreement) {
        return new Parity(images, maxAbsLogitDifference,
                maxAbsLogit == 0 ? maxAbsLogitDifference : maxAbsLogitDifference / maxAbsLogit, maskAgreement);
    }

    /** Whether both bounds hold. */
    public boolean passed() {
        return relativeLogitDifference <= RELATIVE_LOGIT_BOUND && maskAgreement >= MASK_AGREEMENT_BOUND;
    }

    /** The provenance notes that record these figures in a model card. */
    public Map<String, String> toNotes() {
        Map<String, String> notes = new LinkedHashMap<>();
        notes.put(IMAGES, String.valueOf(images));
        notes.put(MAX_ABS, String.format(Locale.ROOT, "%.6g", maxAbsLogitDifference));
        notes.put(RELATIVE, String.format(Locale.ROOT, "%.6g", relativeLogitDifference));
        notes.put(MASK, String.format(Locale.ROOT, "%.6f", maskAgreement));
        return notes;
    }

    /** The figures recorded in provenance notes, or null when they hold none (or unreadable ones). */
    public static Parity fromNotes(Map<String, String> notes) {
        if (notes == null || !notes.containsKey(IMAGES)) {
            return null;
        }
        try {
            return new Parity(Integer.parseInt(notes.get(IMAGES).strip()), number(notes, MAX_ABS), number(notes, RELATIVE),
                    number(notes, MASK));
        } catch (NumberFormatException | NullPointerException e) {
            return null;
        }
    }

    private static double number(Map<String, String> notes, String key) {
        return Double.parseDouble(notes.get(key).strip());
    }

    /**
     * "8 images: max |logit difference| 1.91e-06 = 1.02e-07 x max |logit| (bound 1e-03), identical
     * mask pixels 100.0000% (bound 99.9%)".
     */
    public String describe() {
        return String.format(Locale.ROOT, "%d images: max |logit difference| %.3g = %.3g x max |logit| (bound %.0e), "
                + "identical mask pixels %.4f%% (bound %.1f%%)", images, maxAbsLogitDifference, relativeLogitDifference,
                RELATIVE_LOGIT_BOUND, 100 * maskAgreement, 100 * MASK_AGREEMENT_BOUND);
    }

    /** "1.0e-07 rel, 100.00%": for tables. */
    public String brief() {
        return String.format(Locale.ROOT, "%.1e rel, %.2f%%", relativeLogitDifference, 100 * maskAgreement);
    }
}
