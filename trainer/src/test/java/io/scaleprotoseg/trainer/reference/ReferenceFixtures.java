package io.scaleprotoseg.trainer.reference;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the files written by the reference PyTorch implementation ({@code ../shared/fixtures/}
 * beside the project's checkout). They are read in place, never copied into the project; when they
 * are absent (a checkout on its own), the tests that need them skip with the reason. The system
 * property {@code scaleprotoseg.fixtures} points elsewhere.
 */
public final class ReferenceFixtures {
    private ReferenceFixtures() {
    }

    /** The folder {@code name} of the fixtures (e.g. {@code reference-losses}); skips the test when absent. */
    public static Path folder(String name) {
        String override = System.getProperty("scaleprotoseg.fixtures");
        if (override != null) {
            Path p = Path.of(override).resolve(name);
            assumeTrue(Files.isDirectory(p), "reference fixtures not found at " + p + " (-Dscaleprotoseg.fixtures)");
            return p;
        }
        // tests run in a module folder: the project's root is its parent, ../shared sits beside the root
        Path dir = Path.of("").toAbsolutePath();
        for (int up = 0; up < 4 && dir != null; up++, dir = dir.getParent()) {
            Path p = dir.resolve("shared").resolve("fixtures").resolve(name);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        assumeTrue(false, "reference fixtures ../shared/fixtures/" + name + " are not beside this checkout ("
                + Path.of("").toAbsolutePath() + "); parity with the reference code is not checked");
        return null;
    }
}
