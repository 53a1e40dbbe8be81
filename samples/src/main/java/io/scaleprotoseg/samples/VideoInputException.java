package io.scaleprotoseg.samples;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A video that cannot be segmented, with the file and the kind of problem. The command line prints
 * its message (which names the file and what to do) and exits with code 1.
 */
final class VideoInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the video. */
    enum Problem {
        /** No container format FFmpeg knows matches the file's content (or the file is empty). */
        NOT_A_VIDEO,
        /** The container is recognised but ends early or is damaged: it cannot be opened, or it holds fewer frames than it declares. */
        TRUNCATED,
        /** The video stream's codec has no decoder in this FFmpeg build. */
        UNSUPPORTED_CODEC,
        /** The file holds streams, but no video stream. */
        NO_VIDEO_STREAM,
        /** The video stream holds no frame. */
        NO_FRAMES
    }

    private final transient Path file;
    private final Problem problem;

    VideoInputException(Path file, Problem problem, String message) {
        super(message);
        this.file = Objects.requireNonNull(file, "file");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The video file. */
    Path file() {
        return file;
    }

    /** What is wrong with it. */
    Problem problem() {
        return problem;
    }
}
