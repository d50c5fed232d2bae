// Custom search attributes (registered by scripts/stack.sh at dev-server start; `temporal operator search-attribute
// create` on a real cluster), so operators can filter in the Web UI: Release="master" AND PromotionLabel="current-tripleo".
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const Release = defineSearchAttributeKey('Release', SearchAttributeType.KEYWORD);
export const Distro = defineSearchAttributeKey('Distro', SearchAttributeType.KEYWORD);
export const PromotionLabel = defineSearchAttributeKey('PromotionLabel', SearchAttributeType.KEYWORD);
export const CandidateLabel = defineSearchAttributeKey('CandidateLabel', SearchAttributeType.KEYWORD);
export const FullHash = defineSearchAttributeKey('FullHash', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [Release, Distro, PromotionLabel, CandidateLabel, FullHash];
