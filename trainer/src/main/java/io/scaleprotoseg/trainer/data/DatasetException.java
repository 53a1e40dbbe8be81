package io.scaleprotoseg.trainer.data;

/** A data set that cannot be read as asked; the message names the file and what to fix. */
public class DatasetException extends Exception {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
