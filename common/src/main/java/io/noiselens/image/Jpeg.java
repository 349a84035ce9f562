package io.noiselens.image;

import java.nio.charset.StandardCharsets;

/**
 * What a JPEG's marker segments say that javax.imageio does not act on (ITU-T T.81 Annex B, Adobe TN 5116, EXIF
 * 2.3 / TIFF 6.0): whether the file is complete, the Adobe APP14 colour transform, and the EXIF orientation.
 */
final class Jpeg {
    private static final int SOI = 0xD8, EOI = 0xD9, SOS = 0xDA, APP1 = 0xE1, APP14 = 0xEE;

    private Jpeg() {}

    static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == SOI && (b[2] & 0xFF) == 0xFF;
    }

    /** A marker segment: the marker, where it starts (its 0xFF), where its data starts and where it ends. */
    private record Segment(int marker, int start, int data, int end) {}

    /** The segment at {@code p} (fill bytes skipped), or null when the bytes end or hold no marker there. */
    private static Segment segmentAt(byte[] b, int p) {
        while (p + 2 < b.length && (b[p] & 0xFF) == 0xFF && (b[p + 1] & 0xFF) == 0xFF) p++;
        if (p + 1 >= b.length || (b[p] & 0xFF) != 0xFF) return null;
        int m = b[p + 1] & 0xFF;
        if (m == SOI || m == EOI || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) return new Segment(m, p, p + 2, p + 2);
        if (p + 3 >= b.length) return null;
        return new Segment(m, p, p + 4, p + 2 + (((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF)));
    }

    /** The first header segment (before the first scan) that {@code wanted} accepts, or null. */
    private static Segment header(byte[] b, java.util.function.Predicate<Segment> wanted) {
        for (Segment s = segmentAt(b, 2); s != null && s.marker() != SOS && s.marker() != EOI; s = segmentAt(b, s.end())) {
            if (wanted.test(s)) return s;
        }
        return null;
    }

    /**
     * Whether the end-of-image marker is reached by walking the segments and the entropy-coded data (where 0xFF is
     * stuffed as FF 00 and restart markers FF D0–D7 are data), so an EOI inside an EXIF thumbnail does not count.
     */
    static boolean hasEndMarker(byte[] b) {
        for (Segment s = segmentAt(b, 2); s != null; ) {
            if (s.marker() == EOI) return true;
            int p = s.end();
            if (s.marker() == SOS) {
                while (p + 1 < b.length && !((b[p] & 0xFF) == 0xFF && (b[p + 1] & 0xFF) != 0
                        && !((b[p + 1] & 0xFF) >= 0xD0 && (b[p + 1] & 0xFF) <= 0xD7))) {
                    p++;
                }
            }
            s = segmentAt(b, p);
        }
        return false;
    }

    /** Components in the frame header (1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK), or −1 when no frame header is found. */
    static int components(byte[] b) {
        Segment f = header(b, s -> s.marker() >= 0xC0 && s.marker() <= 0xCF && s.marker() != 0xC4 && s.marker() != 0xC8
                && s.marker() != 0xCC);
        return f == null || f.data() + 5 >= b.length ? -1 : b[f.data() + 5] & 0xFF;
    }

    /** The Adobe APP14 transform (0: CMYK/RGB, 1: YCbCr, 2: YCCK), or −1 without an Adobe marker. */
    static int adobeTransform(byte[] b) {
        int s = segment(b, APP14, "Adobe");
        return s < 0 || s + 11 >= b.length ? -1 : b[s + 11] & 0xFF;
    }

    /** The EXIF orientation (1–8; 1 when absent or unreadable). */
    static int exifOrientation(byte[] b) {
        int s = segment(b, APP1, "Exif\0\0");
        if (s < 0) return 1;
        int tiff = s + 6;
        if (tiff + 8 > b.length) return 1;
        boolean little = b[tiff] == 'I';
        int ifd = tiff + (int) uint(b, tiff + 4, 4, little);
        if (ifd + 2 > b.length || ifd < tiff) return 1;
        int entries = (int) uint(b, ifd, 2, little);
        for (int i = 0; i < entries; i++) {
            int e = ifd + 2 + 12 * i;
            if (e + 12 > b.length) return 1;
            if (uint(b, e, 2, little) == 0x0112) {
                int v = (int) uint(b, e + 8, 2, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    /** Offset of the data of the first header segment {@code marker} whose data starts with {@code id}, or −1. */
    private static int segment(byte[] b, int marker, String id) {
        byte[] tag = id.getBytes(StandardCharsets.ISO_8859_1);
        Segment s = header(b, x -> x.marker() == marker && x.data() + tag.length <= b.length
                && java.util.Arrays.equals(b, x.data(), x.data() + tag.length, tag, 0, tag.length));
        return s == null ? -1 : s.data();
    }

    private static long uint(byte[] b, int at, int n, boolean little) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            int k = little ? at + n - 1 - i : at + i;
            v = (v << 8) | (b[k] & 0xFF);
        }
        return v;
    }
}
