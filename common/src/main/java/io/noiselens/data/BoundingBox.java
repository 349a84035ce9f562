package io.noiselens.data;

import io.noiselens.lang.Errors;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * An object's box in source-image pixels, the region [x0, x1) × [y0, y1). ImageNet's boxes, in its Pascal-VOC
 * XML files and in the localisation CSVs' {@code PredictionString} ({@code "n01751748 111 108 500 375 …"}), are
 * VOC's 1-based inclusive pixel indices, so {@code xmin … xmax} is [xmin − 1, xmax).
 */
public record BoundingBox(String name, double x0, double y0, double x1, double y1) {

    public static BoundingBox voc(String name, double xmin, double ymin, double xmax, double ymax) {
        return new BoundingBox(name, xmin - 1, ymin - 1, xmax, ymax);
    }

    public boolean contains(double x, double y) {
        return x >= x0 && x < x1 && y >= y0 && y < y1;
    }

    /** The boxes of a localisation CSV's PredictionString: repeated {@code name xmin ymin xmax ymax}. */
    public static List<BoundingBox> parsePredictionString(String s, String origin) {
        List<BoundingBox> out = new ArrayList<>();
        if (s == null || s.isBlank()) return out;
        String[] t = s.trim().split("\\s+");
        if (t.length % 5 != 0) {
            throw Errors.badDataset(origin, "the box list '" + s + "' does not have 5 fields per box",
                    "Write each box as 'synset xmin ymin xmax ymax', as in LOC_val_solution.csv.");
        }
        for (int i = 0; i < t.length; i += 5) {
            try {
                out.add(voc(t[i], Double.parseDouble(t[i + 1]), Double.parseDouble(t[i + 2]),
                        Double.parseDouble(t[i + 3]), Double.parseDouble(t[i + 4])));
            } catch (NumberFormatException e) {
                throw Errors.badDataset(origin, "box " + (i / 5 + 1) + " of '" + s + "' has a non-numeric coordinate",
                        "Write each box as 'synset xmin ymin xmax ymax' with integer pixel indices.");
            }
        }
        return out;
    }

    /** The same boxes written back in PredictionString form (how the dataset carries them between stages). */
    public static String toPredictionString(List<BoundingBox> boxes) {
        StringBuilder sb = new StringBuilder();
        for (BoundingBox b : boxes) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(b.name()).append(' ').append(num(b.x0() + 1)).append(' ').append(num(b.y0() + 1)).append(' ')
                    .append(num(b.x1())).append(' ').append(num(b.y1()));
        }
        return sb.toString();
    }

    /** The objects of a Pascal-VOC annotation ({@code <object><name/><bndbox><xmin/>…</bndbox></object>}). */
    public static List<BoundingBox> parseVocXml(byte[] xml, String origin) {
        List<BoundingBox> out = new ArrayList<>();
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
            NodeList objects = doc.getElementsByTagName("object");
            for (int i = 0; i < objects.getLength(); i++) {
                Element o = (Element) objects.item(i);
                Element box = (Element) o.getElementsByTagName("bndbox").item(0);
                if (box == null) continue;
                out.add(voc(text(o, "name"), number(box, "xmin"), number(box, "ymin"), number(box, "xmax"),
                        number(box, "ymax")));
            }
        } catch (Exception e) {
            throw Errors.badDataset(origin, "the annotation cannot be read (" + e.getMessage() + ")",
                    "Give Pascal-VOC XML files with <object><name/><bndbox><xmin/><ymin/><xmax/><ymax/></bndbox></object>.");
        }
        return out;
    }

    private static String text(Element e, String tag) {
        var n = e.getElementsByTagName(tag).item(0);
        if (n == null) throw new IllegalArgumentException("<" + tag + "> is missing");
        return n.getTextContent().trim();
    }

    private static double number(Element e, String tag) {
        return Double.parseDouble(text(e, tag));
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
