package io.scaleprotoseg.trainer.data;

import java.util.Locale;

/** A data split. */
public enum Split {
    TRAIN, VAL, TEST;

    /** The lower-case name used in folder layouts and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
