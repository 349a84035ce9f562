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

    /**
     * Whether the end-of-image marker is reached by walking the segments and the entropy-coded data (where 0xFF is
     * stuffed as FF 00 and restart markers FF D0–D7 are data), so an EOI inside an EXIF thumbnail does not count.
     */
    static boolean hasEndMarker(byte[] b) {
        int p = 2;
        while (p + 1 < b.length) {
            if ((b[p] & 0xFF) != 0xFF) return false;
            int marker = b[p + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                p++;
                continue;
            }
            if (marker == EOI) return true;
            if (marker == SOI || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
                p += 2;
                continue;
            }
            if (p + 3 >= b.length) return false;
            int len = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            p += 2 + len;
            if (marker == SOS) {
                while (p + 1 < b.length) {
                    if ((b[p] & 0xFF) == 0xFF) {
                        int next = b[p + 1] & 0xFF;
                        if (next != 0 && !(next >= 0xD0 && next <= 0xD7)) break;
                    }
                    p++;
                }
            }
        }
        return false;
    }

    /** Components in the frame header (1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK), or −1 when no frame header is found. */
    static int components(byte[] b) {
        int p = 2;
        while (p + 3 < b.length && (b[p] & 0xFF) == 0xFF) {
            int m = b[p + 1] & 0xFF;
            if (m == 0xFF) {
                p++;
                continue;
            }
            if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
                return p + 9 < b.length ? b[p + 9] & 0xFF : -1;
            }
            if (m == SOS || m == EOI) return -1;
            p += 2 + (((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF));
        }
        return -1;
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

    /** Offset of the data of the first segment {@code marker} whose data starts with {@code id}, or −1. */
    private static int segment(byte[] b, int marker, String id) {
        byte[] tag = id.getBytes(StandardCharsets.ISO_8859_1);
        int p = 2;
        while (p + 3 < b.length && (b[p] & 0xFF) == 0xFF) {
            int m = b[p + 1] & 0xFF;
            if (m == 0xFF) {
                p++;
                continue;
            }
            if (m == SOS || m == EOI) return -1;
            int len = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            int data = p + 4;
            if (m == marker && data + tag.length <= b.length) {
                boolean match = true;
                for (int i = 0; i < tag.length && match; i++) match = b[data + i] == tag[i];
                if (match) return data;
            }
            p += 2 + len;
        }
        return -1;
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
