#include "app/sweep/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>

namespace gemmsim::app {
namespace {

constexpr double kWidth = 880;         // the least; a wide legend adds to it
constexpr double kPlotHeight = 360;    // the data area; the margins add to it
constexpr double kMinPlotWidth = 560;  // of the data area, beside a legend
constexpr double kCharWidth = 7.3;     // of 12 px DejaVu Sans, measured
constexpr size_t kMaxLabel = 40;       // longer tick labels are cut ("...")
constexpr size_t kLegendChars = 40;    // longer legend names are wrapped
constexpr double kLegendLine = 16;     // between wrapped lines of one name
constexpr double kLegendEntry = 20;    // from one name's first line to the next

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                               "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                               "#bcbd22", "#17becf"};

std::string Escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string Cut(const std::string& s) {
  return s.size() <= kMaxLabel ? s : s.substr(0, kMaxLabel - 3) + "...";
}

double TextWidth(const std::string& s) {
  return kCharWidth * static_cast<double>(s.size());
}

// `s` in lines of at most `max` bytes, broken after a space or comma where
// there is one and never inside a UTF-8 character: a legend shows the whole
// name, however long, rather than cut it.
std::vector<std::string> Wrap(const std::string& s, size_t max) {
  std::vector<std::string> lines;
  size_t begin = 0;
  while (s.size() - begin > max) {
    size_t end = begin + max;
    while (end > begin && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
      --end;  // the start of the character at the limit
    const size_t space = s.find_last_of(" ,", end - 1);
    if (space != std::string::npos && space >= begin + max / 2) end = space + 1;
    if (end == begin) end = begin + max;  // no boundary found: bytes
    std::string line = s.substr(begin, end - begin);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(line);
    begin = end;
    while (begin < s.size() && s[begin] == ' ') ++begin;
  }
  if (begin < s.size() || lines.empty()) lines.push_back(s.substr(begin));
  return lines;
}

// Where the legend's names go: wrapped, and the box they need.
struct Legend {
  std::vector<std::vector<std::string>> lines;  // per series
  double width = 0, height = 0;                 // 0 without a legend
};

Legend LayOutLegend(const LinePlot& plot) {
  Legend legend;
  if (plot.series.size() < 2) return legend;
  double widest = 0;
  legend.height = 10;
  for (const PlotSeries& s : plot.series) {
    legend.lines.push_back(Wrap(s.name, kLegendChars));
    for (const std::string& line : legend.lines.back())
      widest = std::max(widest, TextWidth(line));
    legend.height +=
        kLegendEntry + kLegendLine * (legend.lines.back().size() - 1);
  }
  legend.width = widest + 48;  // the sample line and marker, the padding
  return legend;
}

std::optional<double> AsNumber(const std::string& s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

std::string Number(double v) { return fmt::format("{:.4g}", v); }

// A round step (1, 2 or 5 times a power of ten) near range / 5.
double NiceStep(double range) {
  const double raw = range / 5;
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  for (double f : {1.0, 2.0, 5.0}) {
    if (f * decade >= raw) return f * decade;
  }
  return 10 * decade;
}

// Where x values go: categorical slots, or by value (linear or log).
struct XAxis {
  bool numeric = false, log = false;
  double lo = 0, hi = 1;   // in value (or log10 value) units
  std::vector<double> at;  // pixel per x value
};

XAxis PlaceX(const std::vector<std::string>& xs, double x0, double x1) {
  XAxis axis;
  std::vector<double> v;
  for (const std::string& s : xs) {
    if (auto n = AsNumber(s)) v.push_back(*n);
  }
  axis.numeric = !xs.empty() && v.size() == xs.size();
  if (!axis.numeric) {
    const double step = (x1 - x0) / std::max<size_t>(xs.size(), 1);
    for (size_t i = 0; i < xs.size(); ++i)
      axis.at.push_back(x0 + step * (i + 0.5));
    return axis;
  }
  const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
  axis.log = *mn > 0 && *mx / *mn >= 10;
  if (axis.log) {
    for (double& x : v) x = std::log10(x);
  }
  double lo = *std::min_element(v.begin(), v.end());
  double hi = *std::max_element(v.begin(), v.end());
  if (hi == lo) {
    lo -= 1;
    hi += 1;
  }
  const double pad = 0.06 * (hi - lo);
  axis.lo = lo - pad;
  axis.hi = hi + pad;
  for (double x : v)
    axis.at.push_back(x0 + (x - axis.lo) / (axis.hi - axis.lo) * (x1 - x0));
  return axis;
}

struct YAxis {
  bool log = false;
  // A log axis with zeros to draw: its bottom decade is given over to them
  // (labelled "0", the axis broken above it).
  bool zero_band = false;
  double lo = 0, hi = 1;      // value units, or decades on a log axis
  std::vector<double> ticks;  // in the same units
};

YAxis PlaceY(const LinePlot& plot) {
  std::vector<double> finite;
  for (const PlotSeries& s : plot.series) {
    for (const auto& y : s.y) {
      if (y && std::isfinite(*y)) finite.push_back(*y);
    }
  }
  if (plot.budget && std::isfinite(*plot.budget))
    finite.push_back(*plot.budget);
  double min_pos = INFINITY, max_pos = 0;
  bool zeros = false;
  for (double v : finite) {
    zeros |= v <= 0;
    if (v > 0) {
      min_pos = std::min(min_pos, v);
      max_pos = std::max(max_pos, v);
    }
  }
  YAxis axis;
  axis.log = max_pos > 0 && max_pos / min_pos > 10;
  if (axis.log) {
    axis.lo = std::floor(std::log10(min_pos));
    axis.hi = std::ceil(std::log10(max_pos));
    if (axis.hi == axis.lo) axis.hi += 1;
    axis.zero_band = zeros;
    if (zeros) axis.lo -= 1;
    const double step = std::max(1.0, std::ceil((axis.hi - axis.lo) / 8));
    for (double e = axis.lo; e <= axis.hi + 1e-9; e += step)
      axis.ticks.push_back(e);
    return axis;
  }
  double lo = 0, hi = 0;
  for (double v : finite) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (hi <= lo) hi = lo + 1;
  const double step = NiceStep(hi - lo);
  axis.lo = std::floor(lo / step) * step;
  axis.hi = std::ceil(hi / step) * step;
  for (int i = 0; axis.lo + i * step <= axis.hi + step * 1e-9; ++i)
    axis.ticks.push_back(axis.lo + i * step);
  return axis;
}

std::string TickLabel(const YAxis& axis, double tick) {
  if (axis.zero_band && tick == axis.lo) return "0";
  if (axis.log) return fmt::format("{:g}", std::pow(10.0, tick));
  return fmt::format("{:.6g}", std::fabs(tick) < 1e-12 ? 0.0 : tick);
}

// A marker of shape `index` (circle, square, diamond, triangle).
std::string Marker(size_t index, double x, double y, const char* color,
                   bool hollow, const std::string& tooltip) {
  const std::string paint =
      hollow ? fmt::format("fill=\"white\" stroke=\"{}\" stroke-width=\"2\"",
                           color)
             : fmt::format("fill=\"{}\"", color);
  const std::string title = "<title>" + Escape(tooltip) + "</title>";
  switch (index % 4) {
    case 0:
      return fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4.5\" {}>{}</circle>\n", x,
          y, paint, title);
    case 1:
      return fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"8\" height=\"8\" "
          "{}>{}</rect>\n",
          x - 4, y - 4, paint, title);
    case 2:
      return fmt::format(
          "<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} "
          "{:.1f},{:.1f}\" {}>{}</polygon>\n",
          x, y - 5.5, x + 5.5, y, x, y + 5.5, x - 5.5, y, paint, title);
    default:
      return fmt::format(
          "<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" "
          "{}>{}</polygon>\n",
          x, y - 5.5, x + 5, y + 4, x - 5, y + 4, paint, title);
  }
}

}  // namespace

std::string RenderSvgPlot(const LinePlot& plot) {
  // A wide legend widens the canvas instead of squeezing the data, and a
  // tall one lengthens it: nothing drawn falls outside the SVG.
  const Legend legend = LayOutLegend(plot);
  const double legend_width = legend.width;
  const double width = std::max(kWidth, 86 + kMinPlotWidth + 24 + legend_width);
  const double x0 = 86, x1 = width - 24 - legend_width;
  const double y0 = plot.subtitle.empty() ? 48 : 66;

  // x tick labels: horizontal when they fit their slots, else slanted.
  const XAxis xa = PlaceX(plot.x_values, x0, x1);
  double widest = 0;
  for (const std::string& s : plot.x_values)
    widest = std::max(widest, TextWidth(Cut(s)));
  const double slot =
      xa.numeric ? 0 : (x1 - x0) / std::max<size_t>(plot.x_values.size(), 1);
  const bool slanted = !xa.numeric && widest > slot - 8;
  const double tick_height = slanted ? widest * 0.574 + 18 : 20;  // sin 35°
  const double y1 = y0 + kPlotHeight;
  const double height =
      std::max(y1 + tick_height + 44, y0 + legend.height + 12);

  const YAxis ya = PlaceY(plot);
  auto ypix = [&](double v) {
    const double u = ya.log ? std::log10(v) : v;
    return y1 - (u - ya.lo) / (ya.hi - ya.lo) * (y1 - y0);
  };

  std::string svg = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" "
      "height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" "
      "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
      "font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height);
  svg += fmt::format(
      "<text x=\"{:.1f}\" y=\"24\" font-size=\"16\" font-weight=\"bold\" "
      "text-anchor=\"middle\">{}</text>\n",
      width / 2, Escape(plot.title));
  if (!plot.subtitle.empty()) {
    svg += fmt::format(
        "<text x=\"{:.1f}\" y=\"44\" font-size=\"12\" fill=\"#444\" "
        "text-anchor=\"middle\">{}</text>\n",
        width / 2, Escape(plot.subtitle));
  }

  // Grid and y ticks.
  svg += "<g class=\"y-axis\">\n";
  for (double t : ya.ticks) {
    const double y = y1 - (t - ya.lo) / (ya.hi - ya.lo) * (y1 - y0);
    svg += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
        "stroke=\"#e4e4e4\"/>\n"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
        x0, y, x1, y, x0 - 6, y + 4, Escape(TickLabel(ya, t)));
  }
  svg += fmt::format(
      "<text transform=\"translate(18 {:.1f}) rotate(-90)\" "
      "text-anchor=\"middle\" font-size=\"13\">{}{}</text>\n</g>\n",
      (y0 + y1) / 2, Escape(plot.y_label), ya.log ? " (log scale)" : "");

  // x ticks, a label at every x value that does not overlap the last one.
  svg += "<g class=\"x-axis\">\n";
  double last_right = -1e9;
  for (size_t i = 0; i < plot.x_values.size(); ++i) {
    const double x = xa.at[i];
    const std::string label = Cut(plot.x_values[i]);
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
        "stroke=\"#444\"/>\n",
        x, y1, y1 + 5);
    if (slanted) {
      svg += fmt::format(
          "<text transform=\"translate({:.1f} {:.1f}) rotate(-35)\" "
          "text-anchor=\"end\"><title>{}</title>{}</text>\n",
          x + 4, y1 + 16, Escape(plot.x_values[i]), Escape(label));
      continue;
    }
    const double w = TextWidth(label);
    if (x - w / 2 < last_right + 6) continue;
    last_right = x + w / 2;
    svg += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x,
        y1 + 18, Escape(label));
  }
  svg += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" "
      "font-size=\"13\">{}{}</text>\n</g>\n",
      (x0 + x1) / 2, y1 + tick_height + 26, Escape(plot.x_label),
      xa.log ? " (log scale)" : "");
  svg += fmt::format(
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
      "fill=\"none\" stroke=\"#444\"/>\n",
      x0, y0, x1 - x0, y1 - y0);
  if (ya.zero_band) {
    // Two slashes across the y axis: below them is 0, not a decade.
    const double y = y1 - 0.5 * (y1 - y0) / (ya.hi - ya.lo);
    for (double dy : {-3.0, 3.0}) {
      svg += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
          "stroke=\"#444\" stroke-width=\"1.5\"/>\n",
          x0 - 6, y + dy + 3, x0 + 6, y + dy - 3);
    }
  }

  if (plot.budget && std::isfinite(*plot.budget) &&
      (!ya.log || *plot.budget > 0)) {
    const double y = ypix(*plot.budget);
    svg += fmt::format(
        "<g class=\"budget\"><line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
        "y2=\"{:.1f}\" stroke=\"#c00000\" stroke-width=\"1.5\" "
        "stroke-dasharray=\"7 5\"/>\n"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#c00000\">budget "
        "{}</text></g>\n",
        x0, y, x1, y, x0 + 6, y - 5, Escape(Number(*plot.budget)));
  }

  // Series: lines through consecutive drawable points, then markers.
  for (size_t s = 0; s < plot.series.size(); ++s) {
    const PlotSeries& series = plot.series[s];
    const char* color = kColors[s % std::size(kColors)];
    std::string path, markers;
    bool pen_down = false;
    for (size_t i = 0; i < series.y.size() && i < xa.at.size(); ++i) {
      if (!series.y[i]) {
        pen_down = false;
        continue;
      }
      const double v = *series.y[i];
      const double x = xa.at[i];
      const std::string tooltip = fmt::format(
          "{}{}{} = {}: {} = {}", series.name, series.name.empty() ? "" : ", ",
          plot.x_label, plot.x_values[i], plot.y_label, fmt::format("{}", v));
      if (!std::isfinite(v)) {
        markers += Marker(s, x, y0, color, true, tooltip);
        markers += fmt::format(
            "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" "
            "font-size=\"10\" fill=\"{}\">{}</text>\n",
            x, y0 + 16, color, std::isnan(v) ? "nan" : "inf");
        pen_down = false;
        continue;
      }
      const bool at_bottom = ya.log && v <= 0;
      const double y = at_bottom ? y1 : ypix(v);
      path += fmt::format("{}{:.1f},{:.1f} ", pen_down ? "L" : "M", x, y);
      pen_down = true;
      markers += Marker(s, x, y, color, at_bottom, tooltip);
    }
    svg += fmt::format("<g class=\"series\" data-name=\"{}\">\n",
                       Escape(series.name));
    if (!path.empty()) {
      svg += fmt::format(
          "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n",
          path, color);
    }
    svg += markers + "</g>\n";
  }

  if (!legend.lines.empty()) {
    const double lx = x1 + 16;
    svg += fmt::format(
        "<g class=\"legend\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
        "height=\"{:.1f}\" fill=\"white\" stroke=\"#bbb\"/>\n",
        lx, y0, legend_width - 4, legend.height);
    double y = y0 + 18;
    for (size_t s = 0; s < plot.series.size(); ++s) {
      const char* color = kColors[s % std::size(kColors)];
      svg += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
          "stroke=\"{}\" stroke-width=\"2\"/>\n",
          lx + 8, y, lx + 32, y, color);
      svg += Marker(s, lx + 20, y, color, false, plot.series[s].name);
      // One <text>, a <tspan> per wrapped line.
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">", lx + 40, y + 4);
      const std::vector<std::string>& lines = legend.lines[s];
      for (size_t i = 0; i < lines.size(); ++i) {
        svg += fmt::format("<tspan x=\"{:.1f}\" y=\"{:.1f}\">{}</tspan>",
                           lx + 40, y + 4 + kLegendLine * i, Escape(lines[i]));
      }
      svg += "</text>\n";
      y += kLegendEntry + kLegendLine * (lines.size() - 1);
    }
    svg += "</g>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace gemmsim::app
