// A self-contained SVG line plot (SPEC.md issue 5: the sweep's plot of
// error against the varied key, readable without the CSV): one line with
// markers per series over shared x values, a log-scale y axis when the
// values span more than a decade, an optional dashed horizontal budget line,
// a legend, and a tooltip (<title>) on every marker with its exact value.
// The legend shows every name in full, wrapped at 40 characters; the canvas
// grows to the right and downwards to hold it, never cutting it off.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gemmsim::app {

struct PlotSeries {
  std::string name;                      // legend text
  std::vector<std::optional<double>> y;  // one per x value; nullopt: no point
};

struct LinePlot {
  std::string title;
  std::string subtitle;  // a second, smaller title line (may be empty)
  std::string x_label, y_label;
  // Categorical in this order, or numeric when every value is a number (then
  // placed by value, on a log axis when all are positive and span a decade).
  std::vector<std::string> x_values;
  std::vector<PlotSeries> series;
  std::optional<double> budget;  // drawn as a dashed line labelled "budget"
};

// Values <= 0 on a log axis (errors of exactly 0) are drawn as hollow
// markers in a band below the lowest decade, whose tick reads "0" (the axis
// is marked broken above it); NaN and Inf at the top edge, labelled.
std::string RenderSvgPlot(const LinePlot& plot);

}  // namespace gemmsim::app
