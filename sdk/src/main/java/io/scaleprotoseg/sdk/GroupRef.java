package io.scaleprotoseg.sdk;

import java.io.Serializable;

/**
 * A group of a ScaleProtoSeg model, named as the card names it: its class and its index among that
 * class's groups ({@link ModelCard.Group#classId()}, {@link ModelCard.Group#index()}).
 *
 * @param classId the class the group belongs to
 * @param index its index among the class's groups
 */
public record GroupRef(int classId, int index) implements Serializable {
    /** Parses {@code CLASS:K}, e.g. {@code 5:2}. */
    public static GroupRef parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("group '" + text + "': expected CLASS:K, e.g. 5:2");
        }
        try {
            return new GroupRef(Integer.parseInt(text.substring(0, colon).strip()),
                    Integer.parseInt(text.substring(colon + 1).strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("group '" + text + "': expected CLASS:K with two integers, e.g. 5:2", e);
        }
    }

    @Override
    public String toString() {
        return classId + ":" + index;
    }
}
