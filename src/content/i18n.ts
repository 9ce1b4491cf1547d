export { t } from '../ui/i18n';
