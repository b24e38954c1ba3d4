#include "app/config/yaml_overrides.h"

#include "app/config/yaml_text.h"
#include "datapaths/error.h"
#include "io/utf8.h"

namespace gemmsim::app {
namespace {

std::string Trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

[[noreturn]] void Bad(const std::string& text, const std::string& why) {
  throw ConfigError("--set '" + text + "': " + why);
}

// Puts `value` under `key` as a new pair. Assigning through operator[] would
// instead rebind the node itself, changing every alias of it as well.
void Replace(YAML::Node map, const std::string& key, const YAML::Node& value) {
  map.remove(key);
  map.force_insert(key, value);
}

// Every recorded override at or below `path` is gone once `path` changes.
void Record(YamlOrigin* origin, const std::string& path,
            const std::string& text) {
  auto& map = origin->overrides;
  for (auto it = map.begin(); it != map.end();) {
    it = it->first == path || it->first.starts_with(path + ".") ? map.erase(it)
                                                                : std::next(it);
  }
  map[path] = text;
}

}  // namespace

YAML::Node ReplaceWithMap(YAML::Node map, const std::string& key) {
  YAML::Node fresh(YAML::NodeType::Map);
  Replace(map, key, fresh);
  return fresh;
}

SetOverride ParseSetOverride(const std::string& text) {
  // Checked before anything echoes it or yaml-cpp parses it (io/utf8.h).
  if (const auto bad = io::FirstInvalidUtf8(text)) {
    throw ConfigError("--set: column " + std::to_string(bad->column) +
                      " of an override is not UTF-8 text; expected "
                      "KEY=VALUE");
  }
  const size_t eq = text.find('=');
  if (eq == std::string::npos)
    Bad(text, "expected KEY=VALUE (e.g. accumulate.block=16)");
  const std::string key = Trim(text.substr(0, eq));
  if (key.empty()) Bad(text, "the key before '=' is empty");
  SetOverride o;
  o.text = text;
  for (size_t begin = 0;;) {
    const size_t dot = key.find('.', begin);
    o.key.push_back(key.substr(begin, dot - begin));
    if (o.key.back().empty()) {
      Bad(text, "the key '" + key +
                    "' has an empty part; expected a dotted path such as "
                    "accumulate.promote.every");
    }
    if (dot == std::string::npos) break;
    begin = dot + 1;
  }
  o.value = ParseYamlDocument(text.substr(eq + 1), "--set '" + text + "'");
  return o;
}

void ApplySetOverrides(YAML::Node* document,
                       const std::vector<std::string>& overrides,
                       YamlOrigin* origin) {
  for (const std::string& text : overrides) {
    const SetOverride o = ParseSetOverride(text);
    if (document->IsNull() || !document->IsDefined())
      document->reset(YAML::Node(YAML::NodeType::Map));
    if (!document->IsMap()) Bad(text, "the document is not a mapping");
    YAML::Node map = *document;
    std::string path;
    for (size_t i = 0; i + 1 < o.key.size(); ++i) {
      path += (i ? "." : "") + o.key[i];
      const YAML::Node child = FindKey(map, o.key[i]);
      const bool absent = !child.IsDefined() || child.IsNull();
      if (!absent && !child.IsMap()) {
        Bad(text, "'" + path + "' holds " +
                      (child.IsScalar() ? "'" + child.Scalar() + "'"
                                        : std::string("a list")) +
                      ", not a mapping; set '" + path +
                      "' itself to a mapping instead");
      }
      // A copy, even of an existing mapping: it may be shared through an
      // alias, and the change must reach this path only. Its key and value
      // nodes are the originals, so their marks stay.
      YAML::Node next = ReplaceWithMap(map, o.key[i]);
      if (absent) {
        Record(origin, path, text);  // all of it comes from this override
      } else {
        for (auto it = child.begin(); it != child.end(); ++it)
          next.force_insert(it->first, it->second);
      }
      map.reset(next);
    }
    path += (o.key.size() > 1 ? "." : "") + o.key.back();
    // null removes the key: the schema's default applies, and a mistyped
    // key in a file can be cancelled from the command line.
    if (o.value.IsNull()) {
      map.remove(o.key.back());
    } else {
      Replace(map, o.key.back(), o.value);
    }
    Record(origin, path, text);
  }
}

}  // namespace gemmsim::app
