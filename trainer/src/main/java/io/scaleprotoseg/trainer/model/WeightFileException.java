package io.scaleprotoseg.trainer.model;

/** A weight file that cannot be loaded as asked; the message names the file and the tensor. */
public class WeightFileException extends Exception {
    private static final long serialVersionUID = 1L;

    public WeightFileException(String message) {
        super(message);
    }

    public WeightFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
