package io.scaleprotoseg.runtime.ort;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Path;

/**
 * Run by {@link BothBuildsTest} in a JVM whose class path holds both ONNX Runtime builds: opens the
 * model given as argument on each ONNX Runtime backend and on AUTO, one line each:
 * {@code backend: CODE message}, or {@code backend: opened ...} when a segmenter opened.
 */
public final class BothBuildsProbe {
    private BothBuildsProbe() {
    }

    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        for (Backend b : new Backend[] {Backend.ORT_CPU, Backend.ORT_CUDA, Backend.AUTO}) {
            try (Segmenter s = Segmenter.builder().model(model).backend(b).build()) {
                System.out.println(b.cliName() + ": opened " + s.backendInfo().description());
            } catch (ScaleProtoSegException e) {
                System.out.println(b.cliName() + ": " + e.code() + " " + e.getMessage().replace('\n', ' '));
            }
        }
    }
}
