"""The anchor of bench/decision.ts: one stage decision made the way the old DLRN API promoter makes it
(rdo-infra/ci-config ci-scripts/dlrnapi_promoter, promote_all -> select_candidates -> fetch_jobs), through the
same dlrnapi_client it uses, in dry-run (it stops where the old promoter would start promoting).

Requests, in its order: the newest promotion of the target label (the named-hash snapshot), the candidate label
(limit latest_hashes_count), the target label (no limit), then repo_status(success=True) per candidate, newest
first, until one has every criterion. Written from the reference description, not copied.

Usage: old_promoter_decision.py <api_url> <candidate_label> <target_label> <latest_hashes_count> <job,job,...>
Prints {"seconds", "selected", "evaluated"} as JSON; the caller counts the requests on the server side.
"""
import json
import sys
import time

import dlrnapi_client


def full_hash(p):
    return "{}_{}".format(p.commit_hash, p.distro_hash[:8])


def main():
    api_url, candidate_label, target_label, count, jobs = sys.argv[1:6]
    criteria = set(jobs.split(","))
    api = dlrnapi_client.DefaultApi(api_client=dlrnapi_client.ApiClient(host=api_url))
    start = time.monotonic()
    # promote_all: fetch_current_named_hashes, one label here.
    api.api_promotions_get(dlrnapi_client.PromotionQuery(promote_name=target_label, limit=1))
    # select_candidates: the candidate window (deduplicated, newest first) and the target's history.
    seen, candidates = set(), []
    query = dlrnapi_client.PromotionQuery(promote_name=candidate_label, limit=int(count))
    for p in api.api_promotions_get(query):
        if full_hash(p) not in seen:
            seen.add(full_hash(p))
            candidates.append(p)
    on_target = {full_hash(p) for p in api.api_promotions_get(dlrnapi_client.PromotionQuery(promote_name=target_label))}
    for index, p in enumerate(candidates):
        if full_hash(p) in on_target:
            candidates = candidates[:index]
            break
    # promote_label_to_label: successful jobs per candidate until one meets the criteria.
    selected, evaluated = None, 0
    for p in candidates:
        evaluated += 1
        params = dlrnapi_client.Params2(commit_hash=p.commit_hash, distro_hash=p.distro_hash,
                                        extended_hash=p.extended_hash, success=str(True))
        passed = {v.job_id for v in api.api_repo_status_get(params)}
        if not criteria - passed:
            selected = full_hash(p)
            break
    seconds = time.monotonic() - start
    print(json.dumps({"seconds": seconds, "selected": selected, "evaluated": evaluated, "window": len(seen)}))


if __name__ == "__main__":
    main()
