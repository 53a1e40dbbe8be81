package io.scaleprotoseg.trainer.checkpoint;

/** A checkpoint that cannot be used; the message names the file and the problem. */
public class CheckpointException extends Exception {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
