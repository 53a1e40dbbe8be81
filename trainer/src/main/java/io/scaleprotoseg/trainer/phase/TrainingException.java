package io.scaleprotoseg.trainer.phase;

/** A training run that cannot go on: bad data, weights or checkpoint; the message names the file. */
public class TrainingException extends Exception {
    private static final long serialVersionUID = 1L;

    public TrainingException(String message) {
        super(message);
    }

    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
