// The YAML trace manifest (SPEC.md "Files"). The document is walked with
// YamlValue, so every error names the file, line and column and the key path
// (gemms[3].b.transpose); YamlValue words them as configuration errors, and
// ReadManifestTrace turns them into input-file errors (exit 3), since a
// trace is an input file.
#include <algorithm>
#include <filesystem>
#include <limits>
#include <memory>

#include "app/config/config_files.h"
#include "app/config/yaml_value.h"
#include "app/trace/trace.h"
#include "datapaths/error.h"
#include "models/cost/machine.h"

namespace gemmsim::app {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();

// "trace.yaml:12:8" for a node parsed from `path`.
std::string NodePlace(const std::string& path, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return path;
  return path + ":" + std::to_string(mark.line + 1) + ":" +
         std::to_string(mark.column + 1);
}

// A YamlValue for a sequence item whose key path reads `gemms[3]`: YamlValue
// names children of mappings only, so the item is hung under a one-key
// mapping of that name (the item node is shared, keeping its marks).
YamlValue Item(const YAML::Node& item, const std::string& path,
               const std::shared_ptr<const YamlOrigin>& origin) {
  YAML::Node holder(YAML::NodeType::Map);
  holder[path] = item;
  return YamlValue(holder, origin).Require(path);
}

// A path in the manifest is relative to the manifest's folder.
std::string Resolve(const fs::path& folder, const std::string& file) {
  const fs::path p(file);
  if (p.is_absolute() || folder.empty()) return file;
  return (folder / p).string();
}

TensorRef ReadTensorRef(const YamlValue& v, const std::string& trace_path,
                        const fs::path& folder) {
  TensorRef ref;
  ref.place = NodePlace(trace_path, v.node()) + " (" + v.path() + ")";
  const std::string expected =
      "a tensor file (a.npy, w.safetensors:NAME) or {file: F, tensor: NAME, "
      "transpose: true|false}";
  if (v.IsScalar()) {
    std::string file = v.Scalar(expected);
    // FILE.safetensors:TENSOR, as on the gemm command line.
    const std::string ext = ".safetensors:";
    if (const size_t at = file.find(ext); at != std::string::npos) {
      ref.tensor = file.substr(at + ext.size());
      file.resize(at + ext.size() - 1);
    }
    ref.file = file;
  } else if (v.IsMap()) {
    v.CheckKeys({"file", "tensor", "transpose"}, expected);
    ref.file = v.Require("file").Scalar("a file name");
    if (auto t = v.Get("tensor")) ref.tensor = t->Scalar("a tensor name");
    if (auto t = v.Get("transpose")) ref.transpose = t->Bool();
    if (!ref.tensor.empty() && !ref.file.ends_with(".safetensors"))
      v.Require("tensor").Fail("a tensor name needs a .safetensors file");
  } else {
    v.Expected(expected);
  }
  if (ref.file.empty()) v.Expected(expected);
  ref.file = Resolve(folder, ref.file);
  return ref;
}

// A preset name, or a numerics file; a file beside the manifest wins.
std::string ReadNumerics(const YamlValue& v, const fs::path& folder) {
  const std::string name = v.Scalar("a numerics preset name or file");
  const std::string beside = Resolve(folder, name);
  std::error_code ec;
  if (fs::is_regular_file(beside, ec)) return beside;
  if (fs::is_regular_file(name, ec)) return name;
  const bool looks_like_path = name.find('/') != std::string::npos ||
                               name.ends_with(".yaml") ||
                               name.ends_with(".yml");
  if (looks_like_path) v.Fail("no such numerics file: " + beside);
  const std::vector<std::string> presets = PresetNames("numerics");
  if (std::find(presets.begin(), presets.end(), name) == presets.end()) {
    std::string list;
    for (const std::string& p : presets) list += (list.empty() ? "" : ", ") + p;
    v.Fail("unknown numerics preset '" + name + "'; presets: " + list);
  }
  return name;
}

TraceGemm ReadGemm(const YamlValue& v, int64_t index,
                   const std::string& trace_path, const fs::path& folder) {
  v.CheckKeys({"name", "m", "n", "k", "batch", "count", "dtype", "a", "b", "c",
               "observed", "numerics"},
              "a GEMM mapping (m, n, k, ...)");
  TraceGemm g;
  g.place = NodePlace(trace_path, v.node()) + " (" + v.path() + ")";
  g.name = v.Get("name") ? v.Get("name")->Scalar("a GEMM name")
                         : "gemm" + std::to_string(index);
  g.m = v.Require("m").Int(0, kUnbounded);
  g.n = v.Require("n").Int(0, kUnbounded);
  g.k = v.Require("k").Int(0, kUnbounded);
  if (auto b = v.Get("batch")) g.batch = b->Int(1, kUnbounded);
  if (auto c = v.Get("count")) g.count = c->Int(1, kUnbounded);
  if (auto d = v.Get("dtype")) {
    g.dtype = d->Scalar("an operand type");
    if (cost::CanonicalDtype(g.dtype).empty())
      d->Expected(cost::DtypeChoices());
  }
  if (auto a = v.Get("a")) g.a = ReadTensorRef(*a, trace_path, folder);
  if (auto b = v.Get("b")) g.b = ReadTensorRef(*b, trace_path, folder);
  if (auto c = v.Get("c")) g.c = ReadTensorRef(*c, trace_path, folder);
  if (auto o = v.Get("observed"))
    g.observed = ReadTensorRef(*o, trace_path, folder);
  if (auto n = v.Get("numerics")) g.numerics = ReadNumerics(*n, folder);
  return g;
}

Trace ParseManifest(const std::string& path) {
  const YAML::Node document = ReadYamlFile(path);
  auto origin = std::make_shared<YamlOrigin>();
  origin->file = path;
  const YamlValue root(document, origin);
  const std::string expected =
      "a trace manifest: a mapping with name and gemms (a list of GEMMs)";
  if (root.IsNull()) throw InputError(path, "", "empty; expected " + expected);
  root.CheckKeys({"name", "description", "gemms"}, expected);
  Trace trace;
  trace.path = path;
  trace.kind = TraceKind::kManifest;
  trace.name = root.Get("name") ? root.Get("name")->Scalar("a trace name")
                                : fs::path(path).stem().string();
  if (auto d = root.Get("description")) d->Scalar("a description (text)");
  const YamlValue gemms = root.Require("gemms");
  if (!gemms.node().IsSequence() || gemms.node().size() == 0)
    gemms.Expected("a non-empty list of GEMMs");
  const fs::path folder = fs::path(path).parent_path();
  for (size_t i = 0; i < gemms.node().size(); ++i) {
    const YamlValue item =
        Item(gemms.node()[i], "gemms[" + std::to_string(i) + "]", origin);
    trace.gemms.push_back(
        ReadGemm(item, static_cast<int64_t>(i), path, folder));
  }
  return trace;
}

}  // namespace

Trace ReadManifestTrace(const std::string& path) {
  try {
    return ParseManifest(path);
  } catch (const Error& e) {
    // YamlValue and ReadYamlFile word their errors for configuration files
    // (exit 2); in a trace they are input-file errors.
    if (e.code() == ExitCode::kUsage)
      throw Error(ExitCode::kInputFile, e.what());
    throw;
  } catch (const YAML::Exception& e) {
    throw InputError(path, MarkPlace(e.mark), e.msg);
  }
}

}  // namespace gemmsim::app
