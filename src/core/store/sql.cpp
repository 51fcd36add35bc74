#include "core/store/sql.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace scwd::store::sql {

const std::vector<Migration>& migrations(Dialect d) {
  auto common = [] {
    std::vector<Migration> m;
    m.push_back(Migration{
        1,
        "resources, tags and unique keys",
        {
            "CREATE TABLE resources ("
            " kind TEXT NOT NULL, id TEXT NOT NULL,"
            " organization_id TEXT NOT NULL DEFAULT '', project_id TEXT NOT NULL DEFAULT '',"
            " locality TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '',"
            " parent_id TEXT NOT NULL DEFAULT '', state TEXT NOT NULL DEFAULT '',"
            " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, due_at BIGINT,"
            " version BIGINT NOT NULL, tags TEXT NOT NULL DEFAULT '[]',"
            " keys TEXT NOT NULL DEFAULT '[]', body TEXT NOT NULL,"
            " PRIMARY KEY (kind, id))",
            "CREATE INDEX resources_org ON resources (kind, organization_id, created_at)",
            "CREATE INDEX resources_project ON resources (project_id, kind)",
            "CREATE INDEX resources_locality ON resources (kind, locality, created_at)",
            "CREATE INDEX resources_name ON resources (kind, name)",
            "CREATE INDEX resources_parent ON resources (kind, parent_id)",
            "CREATE INDEX resources_created ON resources (kind, created_at)",
            "CREATE INDEX resources_due ON resources (due_at) WHERE due_at IS NOT NULL",
            "CREATE TABLE resource_tags (kind TEXT NOT NULL, id TEXT NOT NULL,"
            " tag TEXT NOT NULL, PRIMARY KEY (kind, id, tag))",
            "CREATE INDEX resource_tags_tag ON resource_tags (kind, tag)",
            "CREATE TABLE resource_keys (kind TEXT NOT NULL, key TEXT NOT NULL,"
            " id TEXT NOT NULL, PRIMARY KEY (kind, key))",
            "CREATE INDEX resource_keys_id ON resource_keys (kind, id)",
        }});
    m.push_back(Migration{
        2,
        "per kind, organization and project record counters (quotas, project emptiness)",
        {
            "CREATE TABLE resource_counts (kind TEXT NOT NULL, organization_id TEXT NOT NULL,"
            " project_id TEXT NOT NULL, n BIGINT NOT NULL,"
            " PRIMARY KEY (kind, organization_id, project_id))",
            "CREATE INDEX resource_counts_project ON resource_counts (project_id)",
            "INSERT INTO resource_counts (kind, organization_id, project_id, n)"
            " SELECT kind, organization_id, project_id, COUNT(*) FROM resources"
            " GROUP BY kind, organization_id, project_id",
        }});
    m.push_back(
        Migration{3,
                  "records by id alone (IAM finds the project of the resource a request names)",
                  {
                      "CREATE INDEX resources_id ON resources (id)",
                  }});
    return m;
  };
  // Lists that stay flat as the store grows (see docs/architecture.md, Store).
  auto v4 = [](Dialect d) {
    Migration m{4,
                "list indexes: an organization's records in list order (covering), tags by "
                "value, counters per locality, per-kind change counters, names by substring",
                {
                    // Covers the usual list (kind, organization, creation order, id) and the
                    // locality and project filters, so that paging steps over index entries
                    // only; it replaces the narrower resources_org.
                    "CREATE INDEX resources_org_list ON resources"
                    " (kind, organization_id, created_at, id, locality, project_id)",
                    "DROP INDEX resources_org",
                    // A tag's records without reading the tags table.
                    "CREATE INDEX resource_tags_value ON resource_tags (kind, tag, id)",
                    "DROP INDEX resource_tags_tag",
                    // The counters gain the locality, so that a zone's or region's list total
                    // is a sum over counters instead of a count over records.
                    // PostgreSQL: each counter is spread over a few rows (shard), so that
                    // concurrent writers in one project rarely wait for each other's commit.
                    d == Dialect::kSqlite
                        ? "CREATE TABLE resource_totals (kind TEXT NOT NULL,"
                          " organization_id TEXT NOT NULL, project_id TEXT NOT NULL,"
                          " locality TEXT NOT NULL, n BIGINT NOT NULL,"
                          " PRIMARY KEY (kind, organization_id, project_id, locality))"
                        : "CREATE TABLE resource_totals (kind TEXT NOT NULL,"
                          " organization_id TEXT NOT NULL, project_id TEXT NOT NULL,"
                          " locality TEXT NOT NULL, shard INTEGER NOT NULL DEFAULT 0,"
                          " n BIGINT NOT NULL,"
                          " PRIMARY KEY (kind, organization_id, project_id, locality, shard))",
                    "CREATE INDEX resource_totals_project ON resource_totals (project_id)",
                    "INSERT INTO resource_totals (kind, organization_id, project_id, locality, n)"
                    " SELECT kind, organization_id, project_id, locality, COUNT(*)"
                    " FROM resources GROUP BY kind, organization_id, project_id, locality",
                    "DROP TABLE resource_counts",
                    // Bumped by every write of a kind, in the writing transaction: a list's
                    // cached page boundaries are valid while their kind's counter is unchanged.
                    "CREATE TABLE resource_changes (kind TEXT PRIMARY KEY, n BIGINT NOT NULL)",
                }};
    if (d == Dialect::kSqlite) {
      // Names by substring: a trigram index (case-insensitive) over the names. It only narrows
      // the candidates; the exact filter is applied on top. (PostgreSQL: a pg_trgm GIN index on
      // lower(name) is the counterpart.) A full-text insert per create cost a third of the
      // durable create rate, so new records are indexed late and in bulk: rows up to
      // resource_names_state.upto are in the index, kept exact by the triggers below; newer
      // rows (the highest rowids) are scanned by name queries until the writer indexes them
      // (see index_new_names in the SQLite back end).
      for (const char* st : {
               "CREATE VIRTUAL TABLE resource_names USING fts5(name, content='resources',"
               " content_rowid='rowid', tokenize='trigram', detail='none', columnsize=0)",
               "CREATE TABLE resource_names_state (upto INTEGER NOT NULL)",
               "INSERT INTO resource_names_state (upto)"
               " SELECT COALESCE(MAX(rowid), 0) FROM resources",
               "INSERT INTO resource_names (resource_names) VALUES ('rebuild')",
               // A rowid at or below the mark can be handed out again (after the highest row
               // is deleted): such a row is indexed at once.
               "CREATE TRIGGER resource_names_insert AFTER INSERT ON resources"
               " WHEN new.rowid <= (SELECT upto FROM resource_names_state) BEGIN"
               " INSERT INTO resource_names (rowid, name) VALUES (new.rowid, new.name); END",
               "CREATE TRIGGER resource_names_delete AFTER DELETE ON resources"
               " WHEN old.rowid <= (SELECT upto FROM resource_names_state) BEGIN"
               " INSERT INTO resource_names (resource_names, rowid, name)"
               " VALUES ('delete', old.rowid, old.name); END",
               "CREATE TRIGGER resource_names_update AFTER UPDATE OF name ON resources"
               " WHEN old.name IS NOT new.name"
               " AND old.rowid <= (SELECT upto FROM resource_names_state) BEGIN"
               " INSERT INTO resource_names (resource_names, rowid, name)"
               " VALUES ('delete', old.rowid, old.name);"
               " INSERT INTO resource_names (rowid, name) VALUES (new.rowid, new.name); END",
           })
        m.statements.emplace_back(st);
    }
    return m;
  };
  static const std::vector<Migration> kSqlite = [&] {
    auto m = common();
    m.push_back(v4(Dialect::kSqlite));
    return m;
  }();
  static const std::vector<Migration> kPostgres = [&] {
    auto m = common();
    m.push_back(v4(Dialect::kPostgres));
    m.push_back(Migration{
        5,
        "replicas: the shared virtual clock and the quota guards",
        {
            // The virtual clock's offset, which every replica reads (one row).
            "CREATE TABLE scwd_clock (id INTEGER PRIMARY KEY, offset_us BIGINT NOT NULL)",
            "INSERT INTO scwd_clock (id, offset_us) VALUES (1, 0)",
            // The lanes of each (quota, organization) checked: a check holds one (side by side
            // with others) or all of them (alone) until its transaction ends (quota::check).
            "CREATE TABLE quota_guards (name TEXT NOT NULL, organization_id TEXT NOT NULL,"
            " lane INTEGER NOT NULL, n BIGINT NOT NULL,"
            " PRIMARY KEY (name, organization_id, lane))",
        }});
    return m;
  }();
  return d == Dialect::kSqlite ? kSqlite : kPostgres;
}

namespace {

// Well-formed UTF-8 with at least three characters and no NUL: what the trigram index can
// narrow a substring search with. (Shorter values match too much to be worth an index.)
bool trigram_searchable(const std::string& v) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < v.size();) {
    auto c = static_cast<unsigned char>(v[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || c == 0 || i + n > v.size()) return false;
    if (n == 2 && c < 0xC2) return false;  // overlong
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(v[i + k]) & 0xC0) != 0x80) return false;
    if (n == 3) {
      auto c1 = static_cast<unsigned char>(v[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return false;
    }
    if (n == 4) {
      auto c1 = static_cast<unsigned char>(v[i + 1]);
      if (c > 0xF4 || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) return false;
    }
    i += n;
    ++chars;
  }
  return chars >= 3;
}

}  // namespace

std::vector<std::string> name_trigrams(const ListQuery& q) {
  for (auto& f : q.filters) {
    if (f.column != Column::kName || f.op != Op::kContains || f.values.empty()) continue;
    const std::string v = text_of(f.values.front());
    if (!trigram_searchable(v)) return {};
    std::vector<std::size_t> starts;  // byte offset of each character
    for (std::size_t i = 0; i < v.size(); ++i)
      if ((static_cast<unsigned char>(v[i]) & 0xC0) != 0x80) starts.push_back(i);
    starts.push_back(v.size());
    std::vector<std::string> out;
    for (std::size_t c = 0; c + 3 < starts.size() && out.size() < 16; ++c) {
      std::string g = "\"";
      for (std::size_t i = starts[c]; i < starts[c + 3]; ++i) {
        if (v[i] == '"') g += '"';
        g += v[i];
      }
      g += "\"";
      if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(std::move(g));
    }
    return out;
  }
  return {};
}

Built build_match_probe(const std::string& match, int limit) {
  return Built{
      "SELECT COUNT(*) FROM (SELECT 1 FROM resource_names WHERE resource_names MATCH ?"
      " LIMIT " +
          std::to_string(limit + 1) + ") p",
      {match},
      {false}};
}

namespace {

class Builder {
 public:
  explicit Builder(Dialect d) : d_(d) {}

  std::string ph(std::string v, bool numeric = false) {
    out_.args.push_back(std::move(v));
    out_.numeric.push_back(numeric);
    if (d_ == Dialect::kPostgres) return "$" + std::to_string(out_.args.size());
    return "?";
  }
  // Booleans compare as 1 / 0 in SQLite (what json_extract gives for true / false) and as the
  // text PostgreSQL's #>> gives ("true" / "false").
  bool numeric_value(const Value& v) const {
    return d_ == Dialect::kPostgres ? std::holds_alternative<std::int64_t>(v) : is_numeric(v);
  }
  std::string ph(const Value& v, bool numeric = false) {
    auto* b = std::get_if<bool>(&v);
    out_.args.push_back(b && d_ == Dialect::kPostgres ? (*b ? "true" : "false") : text_of(v));
    out_.numeric.push_back(numeric || numeric_value(v));
    if (d_ == Dialect::kPostgres) return "$" + std::to_string(out_.args.size());
    return "?";
  }

  std::string json_path(const std::string& path) {
    if (path.empty()) throw std::invalid_argument("body filter without a path");
    for (char c : path)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'))
        throw std::invalid_argument("bad body path: " + path);
    if (d_ == Dialect::kSqlite) return "json_extract(r.body, '$." + path + "')";
    std::string p = "{";
    for (char c : path) p += c == '.' ? ',' : c;
    p += "}";
    return "(r.body::jsonb #>> '" + p + "')";
  }

  static std::string dotted_to_pg(const std::string& path) {
    std::string p;
    for (char c : path) p += c == '.' ? ',' : c;
    return p;
  }

  std::string column(Column c, const std::string& path, bool numeric) {
    switch (c) {
      case Column::kId:
        return "r.id";
      case Column::kOrganization:
        return "r.organization_id";
      case Column::kProject:
        return "r.project_id";
      case Column::kLocality:
        return "r.locality";
      case Column::kName:
        return "r.name";
      case Column::kParent:
        return "r.parent_id";
      case Column::kState:
        return "r.state";
      case Column::kCreatedAt:
        return "r.created_at";
      case Column::kUpdatedAt:
        return "r.updated_at";
      case Column::kDueAt:
        return "r.due_at";
      case Column::kBody: {
        std::string e = json_path(path);
        if (numeric && d_ == Dialect::kPostgres) return "CAST(" + e + " AS BIGINT)";
        return e;
      }
    }
    throw std::invalid_argument("bad column");
  }

  // FROM, with the driver's candidates first when there is one (CROSS JOIN keeps that order of
  // the loops: SQLite would otherwise often prefer walking the list index in order).
  void from(const ListQuery& q, const Plan& p) {
    switch (p.driver) {
      case Driver::kNone:
        out_.sql += " FROM resources r";
        return;
      case Driver::kName: {
        if (p.name_match.empty() || d_ != Dialect::kSqlite)
          throw std::invalid_argument("no name driver");
        // The index's candidates, and the rows it does not hold yet.
        out_.sql += " FROM (SELECT rowid AS rid FROM resource_names WHERE resource_names MATCH " +
                    ph(p.name_match) +
                    " UNION ALL SELECT rowid FROM resources"
                    " WHERE rowid > (SELECT upto FROM resource_names_state))"
                    " m CROSS JOIN resources r ON r.rowid = m.rid";
        return;
      }
      case Driver::kTags: {
        out_.sql += " FROM (" + tag_candidates(q) + ") m CROSS JOIN resources r" +
                    " ON r.kind = m.kind AND r.id = m.id";
        return;
      }
    }
  }

  // The records carrying the first tag of tags_all, else one of tags_any.
  std::string tag_candidates(const ListQuery& q) {
    if (q.kind.empty() || (q.tags_all.empty() && q.tags_any.empty()))
      throw std::invalid_argument("no tag driver");
    // One ph() per expression: the operands of + are not sequenced, placeholders are.
    std::string s = "SELECT t.kind, t.id FROM resource_tags t WHERE t.kind = " + ph(q.kind);
    if (!q.tags_all.empty()) return s + " AND t.tag = " + ph(q.tags_all.front());
    s = "SELECT DISTINCT" + s.substr(6) + " AND t.tag IN (";
    for (std::size_t i = 0; i < q.tags_any.size(); ++i) {
      if (i) s += ", ";
      s += ph(q.tags_any[i]);
    }
    return s + ")";
  }

  void where(const ListQuery& q, const Plan& p = {}) {
    // An empty kind lists every kind (the lifecycle engine's due-records query).
    std::string w = q.kind.empty() ? " WHERE 1 = 1" : " WHERE r.kind = " + ph(q.kind);
    for (auto& f : q.filters) {
      bool numeric = f.numeric || (!f.values.empty() && numeric_value(f.values.front()));
      std::string col = column(f.column, f.path, numeric);
      auto one = [&]() -> std::string {
        if (f.values.empty()) throw std::invalid_argument("filter without a value");
        return ph(f.values.front(), numeric);
      };
      switch (f.op) {
        case Op::kEq:
          w += " AND " + col + " = " + one();
          break;
        case Op::kNe:
          w += " AND " + col + " <> " + one();
          break;
        case Op::kLt:
          w += " AND " + col + " < " + one();
          break;
        case Op::kLe:
          w += " AND " + col + " <= " + one();
          break;
        case Op::kGt:
          w += " AND " + col + " > " + one();
          break;
        case Op::kGe:
          w += " AND " + col + " >= " + one();
          break;
        case Op::kIn: {
          if (f.values.empty()) {
            w += " AND 1 = 0";
            break;
          }
          w += " AND " + col + " IN (";
          for (std::size_t i = 0; i < f.values.size(); ++i) {
            if (i) w += ", ";
            w += ph(f.values[i], numeric);
          }
          w += ")";
          break;
        }
        case Op::kContains:
          if (d_ == Dialect::kSqlite)
            w += " AND instr(lower(" + col + "), lower(" + one() + ")) > 0";
          else
            w += " AND strpos(lower(" + col + "), lower(" + one() + ")) > 0";
          break;
        case Op::kAnyIn:
        case Op::kAnyContains: {
          if (f.column != Column::kBody) throw std::invalid_argument("array filter on a column");
          if (f.op == Op::kAnyIn && f.values.empty()) {
            w += " AND 1 = 0";
            break;
          }
          json_path(f.path);  // validates the path
          std::string elems =
              d_ == Dialect::kSqlite
                  ? "json_each(r.body, '$." + f.path + "') j"
                  : "jsonb_array_elements_text(CASE WHEN jsonb_typeof(r.body::jsonb #> '{" +
                        dotted_to_pg(f.path) + "}') = 'array' THEN r.body::jsonb #> '{" +
                        dotted_to_pg(f.path) + "}' ELSE '[]'::jsonb END) j(value)";
          if (d_ == Dialect::kSqlite)  // json_each also walks a scalar: arrays only
            w += " AND json_type(r.body, '$." + f.path + "') = 'array'";
          w += " AND EXISTS (SELECT 1 FROM " + elems + " WHERE ";
          if (f.op == Op::kAnyIn) {
            w += "j.value IN (";
            for (std::size_t i = 0; i < f.values.size(); ++i) {
              if (i) w += ", ";
              w += ph(f.values[i]);
            }
            w += "))";
          } else if (d_ == Dialect::kSqlite) {
            w += "instr(lower(j.value), lower(" + one() + ")) > 0)";
          } else {
            w += "strpos(lower(j.value), lower(" + one() + ")) > 0)";
          }
          break;
        }
        case Op::kIsNull:
          w += " AND " + col + " IS NULL";
          break;
        case Op::kNotNull:
          w += " AND " + col + " IS NOT NULL";
          break;
      }
    }
    for (auto& t : q.tags_all)
      w += " AND EXISTS (SELECT 1 FROM resource_tags t WHERE t.kind = r.kind AND t.id = r.id"
           " AND t.tag = " +
           ph(t) + ")";
    if (!q.tags_any.empty()) {
      w += " AND EXISTS (SELECT 1 FROM resource_tags t WHERE t.kind = r.kind AND t.id = r.id"
           " AND t.tag IN (";
      for (std::size_t i = 0; i < q.tags_any.size(); ++i) {
        if (i) w += ", ";
        w += ph(q.tags_any[i]);
      }
      w += "))";
    }
    if (p.from) w += " AND " + from_key(q, *p.from);
    out_.sql += w;
  }

  // Records at or after `key` in the list's order: for orders o1..on and the id tie-break,
  // (o1 beyond v1) OR (o1 = v1 AND ((o2 beyond v2) OR (o2 = v2 AND ... id >= vid))). The
  // leading o1 >= v1 (<= when descending) gives the index a range to seek to.
  std::string from_key(const ListQuery& q, const SeekKey& key) {
    if (key.size() != q.order.size() + 1) throw std::invalid_argument("seek key size");
    // Placeholders are positional in SQLite: emit them in text order.
    auto value = [&](std::size_t i) { return ph(key[i].text, key[i].numeric); };
    std::string s;
    if (!q.order.empty()) {
      auto& o = q.order.front();
      s = column(o.column, o.path, false) + (o.descending ? " <= " : " >= ") + value(0) + " AND ";
    }
    std::string closing;
    for (std::size_t i = 0; i < q.order.size(); ++i) {
      auto& o = q.order[i];
      std::string col = column(o.column, o.path, false);
      s += "(" + col + (o.descending ? " < " : " > ") + value(i) + " OR (" + col + " = " +
           value(i) + " AND ";
      closing += "))";
    }
    return s + "r.id >= " + value(q.order.size()) + closing;
  }

  std::string order_by(const ListQuery& q) {
    std::string s = " ORDER BY ";
    for (auto& o : q.order) {
      if (o.column == Column::kBody && d_ == Dialect::kPostgres) {
        // Body values in the order SQLite gives them: typed (numbers as numbers, not as text),
        // and absent ones first.
        json_path(o.path);  // validates the path
        s += "(r.body::jsonb #> '{" + dotted_to_pg(o.path) + "}')";
        s += o.descending ? " DESC NULLS LAST, " : " ASC NULLS FIRST, ";
        continue;
      }
      s += column(o.column, o.path, false);
      s += o.descending ? " DESC, " : " ASC, ";
    }
    return s + "r.id ASC";
  }

  std::string limit(const ListQuery& q) {
    std::string s;
    if (q.limit >= 0) s += " LIMIT " + std::to_string(q.limit);
    if (q.offset > 0) {
      if (q.limit < 0 && d_ == Dialect::kSqlite) s += " LIMIT -1";
      s += " OFFSET " + std::to_string(q.offset);
    }
    return s;
  }

  Built select(const ListQuery& q, const Plan& p) {
    std::string cols = "r.";  // kRecordColumns, each qualified with r.
    for (const char* c = kRecordColumns; *c; ++c) cols += *c == ' ' ? " r." : std::string(1, *c);
    if (q.limit < 0 && q.offset <= 0) {  // the whole list: nothing to skip
      out_.sql = "SELECT " + cols;
      from(q, p);
      where(q, p);
      out_.sql += order_by(q);
      return std::move(out_);
    }
    // Deferred join: the page is chosen on positions alone, then only its rows are read.
    const bool sqlite = d_ == Dialect::kSqlite;
    out_.sql = sqlite ? "SELECT r.rowid AS rid" : "SELECT r.kind AS k_kind, r.id AS k_id";
    from(q, p);
    where(q, p);
    out_.sql += order_by(q) + limit(q);
    // SQLite: CROSS JOIN keeps the page's loop outermost; PostgreSQL plans joins itself.
    out_.sql = "SELECT " + cols + " FROM (" + out_.sql + ") k " + (sqlite ? "CROSS JOIN" : "JOIN") +
               " resources r ON " +
               (sqlite ? "r.rowid = k.rid" : "r.kind = k.k_kind AND r.id = k.k_id") + order_by(q);
    return std::move(out_);
  }

  Built count(const ListQuery& q, const Plan& p) {
    out_.sql = "SELECT COUNT(*)";
    from(q, p);
    where(q, p);
    return std::move(out_);
  }

  Built keys(const ListQuery& q, const Plan& p) {
    if (!seekable(q)) throw std::invalid_argument("list order is not seekable");
    out_.sql = "SELECT ";
    for (auto& o : q.order) out_.sql += column(o.column, o.path, false) + ", ";
    out_.sql += "r.id";
    from(q, p);
    where(q, p);
    out_.sql += order_by(q);
    return std::move(out_);
  }

  std::optional<Built> counter_total(const ListQuery& q) {
    if (q.kind.empty() || !q.tags_all.empty() || !q.tags_any.empty()) return std::nullopt;
    std::string w =
        "SELECT COALESCE(SUM(c.n), 0) FROM resource_totals c WHERE c.kind = " + ph(q.kind);
    for (auto& f : q.filters) {
      const char* col = nullptr;
      switch (f.column) {
        case Column::kOrganization:
          col = "c.organization_id";
          break;
        case Column::kProject:
          col = "c.project_id";
          break;
        case Column::kLocality:
          col = "c.locality";
          break;
        default:
          return std::nullopt;
      }
      if (f.numeric || (f.op != Op::kEq && f.op != Op::kIn)) return std::nullopt;
      for (auto& v : f.values)
        if (is_numeric(v)) return std::nullopt;
      if (f.values.empty()) {
        if (f.op == Op::kEq) return std::nullopt;
        w += " AND 1 = 0";
        continue;
      }
      w += std::string(" AND ") + col + (f.op == Op::kEq ? " = " : " IN (");
      if (f.op == Op::kEq) {
        w += ph(f.values.front());
        continue;
      }
      for (std::size_t i = 0; i < f.values.size(); ++i) {
        if (i) w += ", ";
        w += ph(f.values[i]);
      }
      w += ")";
    }
    out_.sql = std::move(w);
    return std::move(out_);
  }

  std::optional<Built> probe(const ListQuery& q, const Plan& p, int limit) {
    std::string inner;
    if (p.driver == Driver::kName) {
      if (p.name_match.empty() || d_ != Dialect::kSqlite) return std::nullopt;
      inner = "SELECT 1 FROM resource_names WHERE resource_names MATCH " + ph(p.name_match);
    } else if (p.driver == Driver::kTags) {
      if (q.kind.empty() || (q.tags_all.empty() && q.tags_any.empty())) return std::nullopt;
      inner = tag_candidates(q);
    } else {
      return std::nullopt;
    }
    out_.sql = "SELECT COUNT(*) FROM (" + inner + " LIMIT " + std::to_string(limit + 1) + ") p";
    return std::move(out_);
  }

 private:
  Dialect d_;
  Built out_;
};

}  // namespace

Built build_select(Dialect d, const ListQuery& q, const Plan& p) { return Builder(d).select(q, p); }
Built build_count(Dialect d, const ListQuery& q, const Plan& p) { return Builder(d).count(q, p); }
Built build_keys(Dialect d, const ListQuery& q, const Plan& p) { return Builder(d).keys(q, p); }
std::optional<Built> build_counter_total(Dialect d, const ListQuery& q) {
  return Builder(d).counter_total(q);
}
std::optional<Built> build_probe(Dialect d, const ListQuery& q, const Plan& p, int limit) {
  return Builder(d).probe(q, p, limit);
}

bool seekable(const ListQuery& q) {
  for (auto& o : q.order)
    if (o.column == Column::kBody || o.column == Column::kDueAt) return false;
  return true;
}

}  // namespace scwd::store::sql
