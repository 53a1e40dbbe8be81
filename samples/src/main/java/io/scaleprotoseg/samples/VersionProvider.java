package io.scaleprotoseg.samples;

import picocli.CommandLine;

/** Reports the version stamped into the jar's manifest at packaging time. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            "scaleprotoseg " + version(),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
        };
    }

    static String version() {
        return ScaleProtoSegCli.version();
    }
}
